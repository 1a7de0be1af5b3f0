#!/usr/bin/env python3
"""Peers of the hashscope GPU kernels, timed in one run on the same shapes.

Runs `hashscope bench --gpu --json` first (the kernels), then in this process PyTorch's SDPA
(dense; flash, cuDNN and memory-efficient back ends, each where it runs) and straightforward
PyTorch compositions of the same sparse algorithms (SimHash: matmul -> sign -> pack; Reformer:
hash -> stable sort -> gather -> chunked attention with look-back -> unsort -> logsumexp combine;
Hamming top-k decode and prefill: popcount -> topk -> gather -> attention).
Every time is the median of >= 20 CUDA-event timings after warm-up; ratios are taken within this
run. Writes peers.json and a markdown table to --out and prints the table.

  python3 kernels/bench/peers.py --hashscope build/app/hashscope --out results/
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time
import traceback

import torch
import torch.nn.functional as F


_l2_flush = []


def flush_l2():
    """Fills L2 with clean lines of a buffer twice its size and waits (untimed), as hashscope bench
    does before its decode runs: a read, since a fill would leave dirty lines for the timed run to
    write back."""
    if not _l2_flush:
        _l2_flush.append(torch.ones(2 * torch.cuda.get_device_properties(0).L2_cache_size // 4, dtype=torch.int32,
                                    device="cuda"))
        torch.cuda.synchronize()
    _l2_flush[0].max()
    torch.cuda.synchronize()


def median_ms(fn, warmup=5, repeats=25, cold=False):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        if cold:
            flush_l2()
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    mid = len(times) // 2
    return times[mid] if len(times) % 2 else 0.5 * (times[mid - 1] + times[mid])


def grid(shape, dtype, seed):
    """Multiples of 1/8 in [-1, 1], like the C++ benchmark's inputs (never zeros)."""
    g = torch.Generator(device="cuda").manual_seed(seed)
    return (torch.randint(-8, 9, shape, generator=g, device="cuda").to(torch.float32) / 8).to(dtype)


def sdpa_backends():
    from torch.nn.attention import SDPBackend
    return {"flash": SDPBackend.FLASH_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION,
            "efficient": SDPBackend.EFFICIENT_ATTENTION}


def time_sdpa(q, k, v, causal, repeats, enable_gqa=False, cold=False):
    from torch.nn.attention import sdpa_kernel
    out = {}
    for name, backend in sdpa_backends().items():
        try:
            with sdpa_kernel([backend]):
                fn = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=enable_gqa)
                out[name] = median_ms(fn, repeats=repeats, cold=cold)
        except Exception as e:  # a back end that does not take this shape
            out[name] = None
            print(f"  sdpa {name}: not available here ({type(e).__name__}: {str(e).splitlines()[0][:120]})")
    return out


def simhash_torch(x, planes_bf16, weights):
    bits = (x @ planes_bf16) >= 0  # [h, n, 32]
    return (bits.to(torch.int64) * weights).sum(-1).to(torch.int32)


def reformer_torch(x, v, rot, n_buckets, chunk, causal):
    """The Reformer forward of core/reformer_attention.hpp in plain PyTorch ops, all heads at once."""
    h, n, d = x.shape
    rounds = rot.shape[1]
    rotated = torch.einsum("hnd,hrdb->hrnb", x.float(), rot)
    buckets = torch.cat([rotated, -rotated], dim=-1).argmax(dim=-1)  # [h, r, n]
    offsets = torch.arange(rounds, device=x.device).view(1, rounds, 1) * n_buckets
    keys = (buckets + offsets).reshape(h, rounds * n)
    _, sorted_idx = torch.sort(keys, dim=-1, stable=True)  # concat index r * n + i
    pos = sorted_idx % n
    chunks = rounds * n // chunk
    scale = torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-6) / math.sqrt(d)
    knorm = (x.float() * scale).to(x.dtype)
    gather = lambda t: torch.gather(t, 1, pos.unsqueeze(-1).expand(-1, -1, t.shape[-1]))
    q_c = gather(x).view(h, chunks, chunk, d)
    k_c = gather(knorm).view(h, chunks, chunk, d)
    v_c = gather(v).view(h, chunks, chunk, v.shape[-1])
    p_c = pos.view(h, chunks, chunk)
    look = lambda t: torch.cat([torch.roll(t, 1, dims=1), t], dim=2)
    k_c, v_c, kp = look(k_c), look(v_c), look(p_c)
    logits = torch.matmul(q_c, k_c.transpose(-1, -2)).float()
    qi, kj = p_c.unsqueeze(-1), kp.unsqueeze(-2)
    if causal:
        logits = logits.masked_fill(kj > qi, -1e9)
    logits = logits.masked_fill(kj == qi, -1e5)
    lse = torch.logsumexp(logits, dim=-1)
    probs = torch.exp(logits - lse.unsqueeze(-1)).to(v.dtype)
    o = torch.matmul(probs, v_c)  # [h, chunks, chunk, dv]
    out_sorted = o.reshape(h, rounds * n, -1)
    round_out = torch.empty_like(out_sorted).scatter_(1, sorted_idx.unsqueeze(-1).expand_as(out_sorted), out_sorted)
    round_lse = torch.empty(h, rounds * n, device=x.device).scatter_(1, sorted_idx, lse.reshape(h, -1))
    round_out = round_out.view(h, rounds, n, -1).float()
    w = torch.softmax(round_lse.view(h, rounds, n), dim=1).unsqueeze(-1)
    return (w * round_out).sum(1).to(x.dtype)


def popcount32(x):
    """Bits set in each int32 (SWAR: pairs, nibbles, bytes, then the bytes summed by a multiply)."""
    x = x - ((x >> 1) & 0x55555555)
    x = (x & 0x33333333) + ((x >> 2) & 0x33333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F
    return (x * 0x01010101) >> 24


def hamming_torch(qc, kc, q, k, v, top_k, sinks, window, shared=False):
    """Signatures -> popcount -> topk -> gather -> SDPA, in plain PyTorch ops (one query per head).
    With `shared`, one selection per KV head by the group's summed distances, gathered once."""
    hq, kvh, n = qc.shape[0], kc.shape[0], kc.shape[1]
    group = hq // kvh
    if shared:
        head_kv = torch.arange(kvh, device="cuda")
        dist = popcount32(torch.bitwise_xor(kc[:, None, :], qc.view(kvh, group)[:, :, None])).sum(1)  # [kvh, n]
    else:
        head_kv = torch.arange(hq, device="cuda") // group
        dist = popcount32(torch.bitwise_xor(kc[head_kv], qc[:, None]))  # [hq, n]
    rows = dist.shape[0]
    pos = torch.arange(sinks, n - window, device="cuda")
    key = dist[:, sinks:n - window].to(torch.int64) * n + pos  # ties to the lower position
    idx = torch.topk(key, top_k, dim=-1, largest=False).indices + sinks
    idx = torch.cat([torch.arange(sinks, device="cuda").expand(rows, -1), idx,
                     torch.arange(n - window, n, device="cuda").expand(rows, -1)], dim=1)
    ks, vs = k[head_kv[:, None], idx], v[head_kv[:, None], idx]  # [rows, K, d]
    if shared:
        return F.scaled_dot_product_attention(q[None, :, None, :], ks[None], vs[None], enable_gqa=True)
    return F.scaled_dot_product_attention(q[:, None, :], ks, vs)


def hamming_prefill_torch(qc, kc, q, k, v, top, sinks, window):
    """Every query of a causal sequence, one query head at a time (an n x n distance matrix each):
    signatures -> popcount -> sinks and window forced, future masked -> topk -> gather -> attention."""
    hq, n, d = q.shape
    group = hq // k.shape[0]
    i = torch.arange(n, device="cuda")[:, None]
    j = torch.arange(n, device="cuda")[None, :]
    forced = (j < sinks) | (j > i - window)
    future = j > i
    out = torch.empty_like(q)
    for h in range(hq):
        dist = popcount32(torch.bitwise_xor(qc[h][:, None], kc[h // group][None, :]))  # [n, n]
        key = (dist.to(torch.int64) * n + j).masked_fill(forced, -1).masked_fill(future, 2**62)
        idx = torch.topk(key, top, dim=-1, largest=False).indices  # [n, top]; ties to the lower position
        seen = (idx <= i).unsqueeze(1)  # early queries see fewer than top keys
        ks, vs = k[h // group][idx], v[h // group][idx]  # [n, top, d]
        out[h] = F.scaled_dot_product_attention(q[h][:, None, :], ks, vs, attn_mask=seen)[:, 0]
    return out


def run_hashscope(exe, extra):
    cmd = [exe, "bench", "--gpu", "--json"] + extra
    print("$", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:  # time the peers anyway, with the rows of the kernels that did run
        print(f"hashscope bench exited {done.returncode}: {done.stderr.strip()}")
        try:
            return json.loads(done.stdout)
        except ValueError:
            return {"rows": [], "copy_gbps": 0.0, "failures": [done.stderr.strip()]}
    return json.loads(done.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hashscope", default="build/app/hashscope")
    ap.add_argument("--out", default=".")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=25)
    ap.add_argument("--reformer-n", default="4096,16384,65536,262144,1048576")
    ap.add_argument("--dense-max-n", type=int, default=262144, help="largest n timed for dense SDPA")
    ap.add_argument("--decode-n", default="131072,1048576")
    ap.add_argument("--prefill-n", default="4096,16384")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ns = [int(s) for s in args.reformer_n.split(",")]
    if args.quick:
        ns = [n for n in ns if n <= 4096]
    dns = [8192] if args.quick else [int(x) for x in args.decode_n.split(",")]
    pns = [1024] if args.quick else [int(x) for x in args.prefill_n.split(",")]
    extra = ["--repeats", str(args.repeats), "--reformer-n", ",".join(map(str, ns)),
             "--decode-n", ",".join(map(str, dns)), "--prefill-n", ",".join(map(str, pns))] + (["--quick"] if args.quick else [])
    ours = run_hashscope(args.hashscope, extra)
    dev = torch.cuda.get_device_properties(0)
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "device": torch.cuda.get_device_name(0),
              "sms": dev.multi_processor_count, "torch": torch.__version__, "cuda": torch.version.cuda,
              "cudnn": torch.backends.cudnn.version(), "hashscope": ours, "peers": {}}
    peers = result["peers"]
    rep = args.repeats
    heads, d, rounds, n_buckets, chunk = 8, 64, 4, 64, 64

    # SimHash: the same keys (8 heads x 131072 x 128, bf16) and 32 planes; torch rounds planes to bf16.
    try:
        rows = 4096 if args.quick else 131072
        x = grid((8, rows, 128), torch.bfloat16, 1)
        planes = grid((128, 32), torch.float32, 2).to(torch.bfloat16)
        weights = (2 ** torch.arange(32, device="cuda", dtype=torch.int64))
        peers["simhash_torch_ms"] = median_ms(lambda: simhash_torch(x, planes, weights), repeats=rep)
        del x
    except Exception:
        traceback.print_exc()

    # Reformer vs dense SDPA causal on the same [1, 8, n, 64] bf16 shapes.
    peers["reformer"] = {}
    for n in ns:
        entry = peers["reformer"][n] = {}
        try:
            q = grid((1, heads, n, d), torch.bfloat16, 3)
            k = grid((1, heads, n, d), torch.bfloat16, 4)
            v = grid((1, heads, n, d), torch.bfloat16, 5)
            if n <= args.dense_max_n:
                entry["sdpa_causal_ms"] = time_sdpa(q, k, v, True, max(20, rep if n <= 65536 else 20))
            if n <= 262144:
                rot = grid((heads, rounds, d, n_buckets // 2), torch.float32, 6)
                fn = lambda: reformer_torch(q[0], v[0], rot, n_buckets, chunk, True)
                entry["torch_composition_ms"] = median_ms(fn, repeats=20, warmup=2)
            del q, k, v
            torch.cuda.empty_cache()
        except Exception:
            traceback.print_exc()
        print(f"n={n}: {entry}", flush=True)

    # Hamming top-k decode vs dense SDPA decode and the PyTorch compositions: 32 q heads, 8 KV heads,
    # d 128, bf16, k = n / 32, 128 sinks + 128 window; L2 overwritten before each timed run, as in
    # hashscope bench (the rows a selection gathers would otherwise stay cached between runs).
    peers["decode"] = {}
    for n in dns:
        entry = peers["decode"][n] = {}
        try:
            q = grid((1, 32, 1, 128), torch.bfloat16, 7)
            k = grid((1, 8, n, 128), torch.bfloat16, 8)
            v = grid((1, 8, n, 128), torch.bfloat16, 9)
            entry["sdpa_decode_ms"] = time_sdpa(q, k, v, False, rep, enable_gqa=True, cold=True)
            entry["kv_bytes"] = 2 * 8 * n * 128 * 2
            g = torch.Generator(device="cuda").manual_seed(10)
            kc = torch.randint(-2**31, 2**31 - 1, (8, n), generator=g, device="cuda", dtype=torch.int32)
            qc = torch.randint(-2**31, 2**31 - 1, (32,), generator=g, device="cuda", dtype=torch.int32)
            fn = lambda: hamming_torch(qc, kc, q[0, :, 0], k[0], v[0], n // 32, 128, 128)
            entry["torch_composition_ms"] = median_ms(fn, repeats=max(20, rep), cold=True)
            fn = lambda: hamming_torch(qc, kc, q[0, :, 0], k[0], v[0], n // 32, 128, 128, shared=True)
            entry["torch_shared_composition_ms"] = median_ms(fn, repeats=max(20, rep), cold=True)
            del q, k, v
            torch.cuda.empty_cache()
        except Exception:
            traceback.print_exc()
        print(f"decode n={n}: {entry}", flush=True)

    # Hamming top-k prefill vs dense SDPA causal (grouped-query) and the PyTorch composition, on the
    # shape of hashscope's bench: 32 q / 8 KV heads, d 128, bf16, top = n / 32, n / 256 sinks and window.
    peers["prefill"] = {}
    for n in pns:
        entry = peers["prefill"][n] = {}
        try:
            q = grid((1, 32, n, 128), torch.bfloat16, 11)
            k = grid((1, 8, n, 128), torch.bfloat16, 12)
            v = grid((1, 8, n, 128), torch.bfloat16, 13)
            entry["sdpa_causal_ms"] = time_sdpa(q, k, v, True, rep, enable_gqa=True)
            g = torch.Generator(device="cuda").manual_seed(14)
            kc = torch.randint(-2**31, 2**31 - 1, (8, n), generator=g, device="cuda", dtype=torch.int32)
            qc = torch.randint(-2**31, 2**31 - 1, (32, n), generator=g, device="cuda", dtype=torch.int32)
            top = n // 32
            fn = lambda: hamming_prefill_torch(qc, kc, q[0], k[0], v[0], top, top // 8, top // 8)
            entry["torch_composition_ms"] = median_ms(fn, warmup=1, repeats=20 if n <= 4096 else 5)
            del q, k, v
            torch.cuda.empty_cache()
        except Exception:
            traceback.print_exc()
        print(f"prefill n={n}: {entry}", flush=True)

    with open(os.path.join(args.out, "peers.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(render(result))
    with open(os.path.join(args.out, "peers.md"), "w") as f:
        f.write(render(result))


def render(r):
    ours = {row["shape"]: row for row in r["hashscope"]["rows"]}
    lines = [f"{r['date']} · {r['device']} ({r['sms']} SMs) · torch {r['torch']} · CUDA {r['cuda']} · cuDNN {r['cudnn']}",
             f"device-to-device copy: {r['hashscope']['copy_gbps']:.0f} GB/s (read + write), from hashscope bench", "",
             "| kernel | shape | hashscope ms | GB/s | TFLOP/s | peer | peer ms | peer / hashscope |",
             "|---|---|---|---|---|---|---|---|"]
    for row in r["hashscope"]["rows"]:
        peer_cells = []
        if row["kernel"] == "simhash" and row["shape"].startswith("bf16") and "32 bits" in row["shape"]:
            t = r["peers"].get("simhash_torch_ms")
            if t:
                peer_cells.append(("torch matmul+sign+pack", t))
        if row["kernel"] == "reformer":
            n = int(row["shape"].split("n ")[1].split(",")[0])
            entry = r["peers"]["reformer"].get(n) or r["peers"]["reformer"].get(str(n)) or {}
            for name, t in (entry.get("sdpa_causal_ms") or {}).items():
                if t:
                    peer_cells.append((f"SDPA causal ({name})", t))
            if entry.get("torch_composition_ms"):
                peer_cells.append(("torch Reformer composition", entry["torch_composition_ms"]))
        if row["kernel"] in ("hamming_decode", "hamming_decode_shared"):
            n = int(row["shape"].split("n ")[1].split(",")[0])
            entry = r["peers"]["decode"].get(n) or r["peers"]["decode"].get(str(n)) or {}
            for name, t in (entry.get("sdpa_decode_ms") or {}).items():
                if t:
                    peer_cells.append((f"SDPA decode ({name}, {entry['kv_bytes'] / t / 1e6:.0f} GB/s)", t))
            shared = row["kernel"] == "hamming_decode_shared"
            t = entry.get("torch_shared_composition_ms" if shared else "torch_composition_ms")
            if t:
                peer_cells.append(("torch popcount+topk+gather+SDPA" + (", shared per KV head" if shared else ""), t))
        if row["kernel"] == "hamming_prefill":
            n = int(row["shape"].split("n ")[1].split(" ")[0])
            entry = r["peers"].get("prefill", {}).get(n) or r["peers"].get("prefill", {}).get(str(n)) or {}
            for name, t in (entry.get("sdpa_causal_ms") or {}).items():
                if t:
                    peer_cells.append((f"SDPA causal ({name})", t))
            if entry.get("torch_composition_ms"):
                peer_cells.append(("torch popcount+topk+gather+SDPA, per head", entry["torch_composition_ms"]))
        base = f"| {row['kernel']} | {row['shape']} | {row['median_ms']:.4f} | {row['gbps']:.0f} | {row['tflops']:.1f} |"
        if not peer_cells:
            lines.append(base + " | | |")
        for name, t in peer_cells:
            lines.append(base + f" {name} | {t:.4f} | {t / row['median_ms']:.2f}x |")
    for failure in r["hashscope"].get("failures", []):
        lines.append(f"\nFAILED: {failure}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
