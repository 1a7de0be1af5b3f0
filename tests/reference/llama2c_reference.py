#!/usr/bin/env python3
"""Independent float64 reference forward pass for llama2.c checkpoints (the legacy header format).

Written apart from core/model/ and from llama2.c's run.c, following the model's definition: RMSNorm,
RoPE from the checkpoint's own cos/sin tables, grouped-query causal attention, SwiGLU, tied or separate
classifier. Writes what `hashscope capture` writes, in float64:

    llama2c_reference.py MODEL.bin "1 403 407" OUTDIR
      OUTDIR/logits.npy [n, vocab], OUTDIR/layerL.q.npy [heads, n, head_dim] (after RoPE),
      OUTDIR/layerL.k.npy, OUTDIR/layerL.v.npy [kv_heads, n, head_dim]
"""
import os
import sys

import numpy as np


def load(path):
    raw = np.fromfile(path, dtype=np.uint8)
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = np.frombuffer(raw[:28].tobytes(), dtype="<i4")
    shared = vocab > 0
    vocab = abs(vocab)
    floats = np.frombuffer(raw[28:].tobytes(), dtype="<f4").astype(np.float64)
    head_dim = dim // heads
    at = 0

    def take(*shape):
        nonlocal at
        count = int(np.prod(shape))
        block = floats[at:at + count].reshape(shape)
        at += count
        return block

    w = {"emb": take(vocab, dim), "rms_att": take(layers, dim), "wq": take(layers, dim, dim),
         "wk": take(layers, kv_heads * head_dim, dim), "wv": take(layers, kv_heads * head_dim, dim),
         "wo": take(layers, dim, dim), "rms_ffn": take(layers, dim), "w1": take(layers, hidden, dim),
         "w2": take(layers, dim, hidden), "w3": take(layers, hidden, dim), "rms_final": take(dim),
         "cos": take(seq_len, head_dim // 2), "sin": take(seq_len, head_dim // 2)}
    w["cls"] = w["emb"] if shared else take(vocab, dim)
    assert at == floats.size, "checkpoint size does not match its header"
    cfg = dict(dim=dim, hidden=hidden, layers=layers, heads=heads, kv_heads=kv_heads, vocab=vocab, head_dim=head_dim)
    return cfg, w


def rmsnorm(x, weight):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + 1e-5) * weight


def rope(x, cos, sin):
    # x [n, head_dim]; rotate the interleaved pairs (x[2i], x[2i+1]) by the tabulated angles.
    even, odd = x[:, 0::2], x[:, 1::2]
    out = np.empty_like(x)
    out[:, 0::2] = even * cos - odd * sin
    out[:, 1::2] = even * sin + odd * cos
    return out


def forward(cfg, w, tokens):
    n, hd = len(tokens), cfg["head_dim"]
    group = cfg["heads"] // cfg["kv_heads"]
    cos, sin = w["cos"][:n], w["sin"][:n]
    x = w["emb"][tokens]
    captured = []
    mask = np.triu(np.full((n, n), -np.inf), k=1)
    for layer in range(cfg["layers"]):
        h = rmsnorm(x, w["rms_att"][layer])
        q, k, v = h @ w["wq"][layer].T, h @ w["wk"][layer].T, h @ w["wv"][layer].T
        qs = np.stack([rope(q[:, i * hd:(i + 1) * hd], cos, sin) for i in range(cfg["heads"])])
        ks = np.stack([rope(k[:, i * hd:(i + 1) * hd], cos, sin) for i in range(cfg["kv_heads"])])
        vs = np.stack([v[:, i * hd:(i + 1) * hd] for i in range(cfg["kv_heads"])])
        heads_out = []
        for i in range(cfg["heads"]):
            scores = qs[i] @ ks[i // group].T / np.sqrt(hd) + mask
            p = np.exp(scores - scores.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            heads_out.append(p @ vs[i // group])
        x = x + np.concatenate(heads_out, axis=1) @ w["wo"][layer].T
        h = rmsnorm(x, w["rms_ffn"][layer])
        gate, up = h @ w["w1"][layer].T, h @ w["w3"][layer].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w["w2"][layer].T
        captured.append((qs, ks, vs))
    logits = rmsnorm(x, w["rms_final"]) @ w["cls"].T
    return logits, captured


def main():
    model, token_text, out = sys.argv[1:4]
    cfg, w = load(model)
    tokens = [int(t) for t in token_text.split()]
    logits, captured = forward(cfg, w, tokens)
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "logits.npy"), logits)
    for layer, (q, k, v) in enumerate(captured):
        for name, array in (("q", q), ("k", k), ("v", v)):
            np.save(os.path.join(out, f"layer{layer}.{name}.npy"), array)


if __name__ == "__main__":
    main()
