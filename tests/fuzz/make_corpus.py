#!/usr/bin/python3
"""Writes the fuzzers' seed corpora into tests/fuzz/corpus/<parser>/: a few tiny valid files per
format (written here from each format's specification, independent of core/) so libFuzzer starts
from inputs that reach deep into each parser. Run again after changing a seed; the files are
checked in. Usage: /usr/bin/python3 tests/fuzz/make_corpus.py"""
import io
import json
import struct
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent / "corpus"


def put(parser, name, data):
    d = ROOT / parser
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def npy_seeds():
    for name, a in {
        "f32_2d": np.arange(6, dtype="<f4").reshape(2, 3),
        "f64_2d": np.linspace(-1, 1, 8).reshape(4, 2),
        "i32_1d": np.arange(5, dtype="<i4"),
        "u8_3d": np.arange(8, dtype="u1").reshape(2, 2, 2),
    }.items():
        buf = io.BytesIO()
        np.save(buf, a)
        put("npy", name + ".npy", buf.getvalue())


def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf_seed(version, tensors, metadata):
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(metadata))
    for key, (kind, value) in metadata.items():
        out += gguf_string(key) + struct.pack("<I", kind)
        if kind == 8:
            out += gguf_string(value)
        elif kind == 4:
            out += struct.pack("<I", value)
        elif kind == 6:
            out += struct.pack("<f", value)
        elif kind == 9:
            out += struct.pack("<IQ", 8, len(value)) + b"".join(gguf_string(v) for v in value)
    offset = 0
    data = b""
    for name, shape, values in tensors:
        out += gguf_string(name) + struct.pack("<I", len(shape))
        out += b"".join(struct.pack("<Q", n) for n in reversed(shape)) + struct.pack("<IQ", 0, offset)
        blob = struct.pack("<%df" % len(values), *values)
        blob += b"\0" * (-len(blob) % 32)
        data += blob
        offset += len(blob)
    out += b"\0" * (-len(out) % 32)
    return out + data


def gguf_seeds():
    meta = {"general.architecture": (8, "llama"), "llama.context_length": (4, 16),
            "llama.rope.freq_base": (6, 10000.0), "tokenizer.ggml.tokens": (9, ["<s>", "a", "b"])}
    put("gguf", "two_tensors.gguf", gguf_seed(3, [("a.weight", [2, 3], range(6)), ("b", [4], [1, 2, 3, 4])], meta))
    put("gguf", "empty.gguf", gguf_seed(3, [], {}))


def safetensors_seed(tensors, metadata=None):
    header, data = {}, b""
    for name, dtype, shape, blob in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


def safetensors_seeds():
    put("safetensors", "f32_f16_bf16.safetensors", safetensors_seed([
        ("w", "F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
        ("h", "F16", [3], struct.pack("<3e", 0.5, -1, 2)),
        ("b", "BF16", [2], b"\x80\x3f\x00\x40")], {"format": "pt"}))


def llama2c_seeds():
    dim, hidden, layers, heads, kv_heads, vocab, seq = 4, 8, 1, 2, 2, 8, 4
    head = dim // heads
    counts = [vocab * dim, layers * dim, layers * dim * dim, layers * kv_heads * head * dim,
              layers * kv_heads * head * dim, layers * dim * dim, layers * dim, layers * hidden * dim,
              layers * dim * hidden, layers * hidden * dim, dim, seq * head // 2, seq * head // 2]
    n = sum(counts)
    weights = struct.pack("<%df" % n, *[(i % 7 - 3) / 10 for i in range(n)])
    put("llama2c", "tied.bin", struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab, seq) + weights)
    wcls = struct.pack("<%df" % (vocab * dim), *[0.1] * (vocab * dim))
    put("llama2c", "untied.bin", struct.pack("<7i", dim, hidden, layers, heads, kv_heads, -vocab, seq) + weights + wcls)


def tokenizer_bin_seeds():
    pieces = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(32, 40)] + ["\u2581", "a", "n", "\u2581a", "on", "ce"]
    body = struct.pack("<i", max(len(p.encode()) for p in pieces))
    for i, p in enumerate(pieces):
        b = p.encode()
        body += struct.pack("<fi", -float(i), len(b)) + b
    put("tokenizer_bin", "sentencepiece.bin", bytes([len(pieces) - 1]) + body)


def tokenizer_json_seeds():
    sp = {"model": {"type": "BPE", "byte_fallback": True,
                    "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<0x41>": 3, "\u2581": 4, "O": 5, "n": 6, "On": 7},
                    "merges": ["O n"]},
          "added_tokens": [{"id": 1, "content": "<s>", "special": True}]}
    bl = {"model": {"type": "BPE", "vocab": {"O": 0, "n": 1, "c": 2, "e": 3, "On": 4, "\u0120": 5, "<|endoftext|>": 6},
                    "merges": [["O", "n"]]},
          "added_tokens": [{"id": 6, "content": "<|endoftext|>", "special": True}]}
    put("tokenizer_json", "sentencepiece.json", bytes([7]) + json.dumps(sp).encode())
    # Found by the fuzzer: an id too long for 64 bits parses as a float (its conversion was undefined).
    put("tokenizer_json", "regression_huge_id.json",
        bytes([6]) + b'{"model": {"type": "BPE", "vocab": {"O": 0, "n": 1, "c": ' + b"1" * 120 + b'}, "merges": []}}')
    put("tokenizer_json", "byte_level.json", bytes([6]) + json.dumps(bl).encode())
    # kjv-llama's form: ByteLevel's add_prefix_space, inside a Sequence.
    bl["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [{"type": "ByteLevel", "add_prefix_space": True}]}
    put("tokenizer_json", "byte_level_prefix_space.json", bytes([6]) + json.dumps(bl).encode())


def learned_hash_seeds():
    heads, d, hidden, bits = 1, 2, 3, 2
    n = heads * 2 * (2 * d + d * hidden + hidden + hidden * bits + bits)
    values = struct.pack("<%dd" % n, *[(i % 5) / 4 for i in range(n)])
    put("learned_hash", "tiny.hslh", b"HSLHASH1" + struct.pack("<5I", 1, heads, d, hidden, bits) + values)


def lesson_seeds():
    # A real lesson (every block kind the lessons use) and a broken one (bad values, unknown metric,
    # nested lists, an image, a relative model path).
    put("lesson", "reformer.md", (ROOT.parent.parent.parent / "tutorials" / "03-reformer-step-by-step.md").read_bytes())
    put("lesson", "broken.md", b"# L\n\n## A\n\n```hashscope\nrounds = x\ncheck = recall >= 0.9\nview = sort\n"
                               b"model = ../m.gguf\n```\n\n- a\n  1. b\n\n![i](x.png)\n")


def session_seeds():
    plain = {"hashscope_session": 1,
             "settings": {"kind": "clusters", "n": "128", "rounds": "2", "stage": "sort", "progress": "0.5",
                          "view": "sort", "crypto-bits": "5"},
             "lesson": {"path": "l.md", "step": 2}}
    put("session", "plain.json", json.dumps(plain).encode())
    # A model that is a device: the checksum must refuse it, not read it for ever.
    model = {"hashscope_session": 1, "settings": {"head": "0.1"}, "model": {"path": "/dev/zero", "sha256": "00"}}
    put("session", "device_model.json", json.dumps(model).encode())


for seeds in (npy_seeds, gguf_seeds, safetensors_seeds, llama2c_seeds, tokenizer_bin_seeds,
              tokenizer_json_seeds, learned_hash_seeds, lesson_seeds, session_seeds):
    seeds()
