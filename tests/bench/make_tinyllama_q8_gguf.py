#!/usr/bin/env python3
# Writes a TinyLlama-1.1B-shaped GGUF v3 (dim 2048, hidden 5632, 22 layers, 32 heads, 4 KV heads, vocab
# 32000) with random Q8_0 weights and a placeholder SentencePiece vocabulary, for comparing prefill
# speed with llama.cpp on the same file:  /usr/bin/python3 tests/bench/make_tinyllama_q8_gguf.py OUT.gguf
import struct, sys
import numpy as np
out = sys.argv[1]
dim, hidden, layers, heads, kv, vocab = 2048, 5632, 22, 32, 4, 32000
rng = np.random.default_rng(11)
def s(x): b = x.encode(); return struct.pack('<Q', len(b)) + b
kv_items = []
def kv_u32(k, v): kv_items.append(s(k) + struct.pack('<I', 4) + struct.pack('<I', v))
def kv_f32(k, v): kv_items.append(s(k) + struct.pack('<I', 6) + struct.pack('<f', v))
def kv_str(k, v): kv_items.append(s(k) + struct.pack('<I', 8) + s(v))
def kv_arr(k, t, items): kv_items.append(s(k) + struct.pack('<I', 9) + struct.pack('<I', t) + struct.pack('<Q', len(items)) + b''.join(items))
kv_str('general.architecture', 'llama')
for k, v in [('context_length', 2048), ('embedding_length', dim), ('block_count', layers), ('feed_forward_length', hidden),
             ('rope.dimension_count', dim // heads), ('attention.head_count', heads), ('attention.head_count_kv', kv)]:
    kv_u32('llama.' + k, v)
kv_f32('llama.attention.layer_norm_rms_epsilon', 1e-5)
kv_f32('llama.rope.freq_base', 10000.0)
kv_u32('general.file_type', 7)
toks = ['<unk>', '<s>', '</s>'] + ['<0x%02X>' % b for b in range(256)]
toks += ['\u2581t%d' % i for i in range(vocab - len(toks))]
kv_str('tokenizer.ggml.model', 'llama')
kv_arr('tokenizer.ggml.tokens', 8, [s(t) for t in toks])
kv_arr('tokenizer.ggml.scores', 6, [struct.pack('<f', -float(i)) for i in range(vocab)])
kv_arr('tokenizer.ggml.token_type', 5, [struct.pack('<i', 2 if i == 0 else 3 if i < 3 else 6 if i < 259 else 1) for i in range(vocab)])
kv_u32('tokenizer.ggml.bos_token_id', 1)
kv_u32('tokenizer.ggml.eos_token_id', 2)
tensors = [('token_embd.weight', (vocab, dim), 8), ('output_norm.weight', (dim,), 0), ('output.weight', (vocab, dim), 8)]
for l in range(layers):
    p = 'blk.%d.' % l
    tensors += [(p + 'attn_norm.weight', (dim,), 0), (p + 'ffn_norm.weight', (dim,), 0), (p + 'attn_q.weight', (dim, dim), 8),
                (p + 'attn_k.weight', (kv * 64, dim), 8), (p + 'attn_v.weight', (kv * 64, dim), 8), (p + 'attn_output.weight', (dim, dim), 8),
                (p + 'ffn_gate.weight', (hidden, dim), 8), (p + 'ffn_up.weight', (hidden, dim), 8), (p + 'ffn_down.weight', (dim, hidden), 8)]
def nbytes(shape, t):
    n = int(np.prod(shape)); return n * 4 if t == 0 else n // 32 * 34
infos, offset = [], 0
for name, shape, t in tensors:
    infos.append(s(name) + struct.pack('<I', len(shape)) + b''.join(struct.pack('<Q', d) for d in reversed(shape)) + struct.pack('<I', t) + struct.pack('<Q', offset))
    offset += (nbytes(shape, t) + 31) // 32 * 32
with open(out, 'wb') as f:
    f.write(b'GGUF' + struct.pack('<IQQ', 3, len(tensors), len(kv_items)) + b''.join(kv_items) + b''.join(infos))
    f.write(b'\0' * ((-f.tell()) % 32))
    scale = np.frombuffer(np.float16(0.02).tobytes(), np.uint8)
    for name, shape, t in tensors:
        n = nbytes(shape, t)
        if t == 0:
            data = np.ones(shape, np.float32).tobytes()
        else:
            blocks = rng.integers(0, 256, size=(int(np.prod(shape)) // 32, 34), dtype=np.uint8)
            blocks[:, :2] = scale
            data = blocks.tobytes()
        f.write(data + b'\0' * ((-n) % 32))
