#!/usr/bin/env python3
"""Recipe for tests/data/hf: tiny random-initialised Hugging Face models and what transformers computes.

Run where PyTorch and transformers are installed (the device machine; nothing is downloaded):

    python3 tests/reference/hf_cross_check.py OUTDIR

For each model it writes OUTDIR/<name>/ with config.json and model.safetensors (save_pretrained),
and OUTDIR/<name>/reference/ with tokens.npy, logits.npy and layerL.{q,k,v}.npy in the layout of
`hashscope capture` (q and k after RoPE), computed by transformers in float32 from the stored
weights (bf16/f16 files are rounded first, so the reference sees exactly the stored values):
  llama  LlamaForCausalLM, GQA (4 heads, 2 KV heads), untied lm_head, theta 500000, F32
  qwen2  Qwen2ForCausalLM, q/k/v biases, tied embeddings, BF16
  gpt2   GPT2LMHeadModel, F16
"""
import os
import sys

import numpy as np
import torch
import transformers
from transformers.models.llama import modeling_llama

TOKENS = [1, 17, 93, 5, 120, 64, 33, 2, 99, 101, 7, 45]


def capture_llama_like(model, tokens):
    """Q, K after RoPE and V per layer, via hooks on the projections and transformers' own RoPE."""
    cfg = model.config
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    n = len(tokens)
    ids = torch.tensor([tokens])
    outputs = {}
    hooks = []
    for i, layer in enumerate(model.model.layers):
        for name in ("q_proj", "k_proj", "v_proj"):
            def hook(module, args, out, i=i, name=name):
                outputs[(i, name)] = out.detach()
            hooks.append(getattr(layer.self_attn, name).register_forward_hook(hook))
    with torch.no_grad():
        logits = model(ids).logits[0].numpy()
        position_ids = torch.arange(n)[None]
        rotary = getattr(model.model, "rotary_emb", None) or model.model.layers[0].self_attn.rotary_emb
        cos, sin = rotary(outputs[(0, "q_proj")], position_ids)
    for h in hooks:
        h.remove()
    layers = []
    for i in range(cfg.num_hidden_layers):
        q = outputs[(i, "q_proj")].view(1, n, -1, head_dim).transpose(1, 2)
        k = outputs[(i, "k_proj")].view(1, n, -1, head_dim).transpose(1, 2)
        v = outputs[(i, "v_proj")].view(1, n, -1, head_dim).transpose(1, 2)
        q, k = modeling_llama.apply_rotary_pos_emb(q, k, cos, sin)
        layers.append((q[0].numpy(), k[0].numpy(), v[0].numpy()))
    return logits, layers


def capture_gpt2(model, tokens):
    cfg = model.config
    n, head_dim = len(tokens), cfg.n_embd // cfg.n_head
    fused = {}
    hooks = [block.attn.c_attn.register_forward_hook(lambda m, a, out, i=i: fused.__setitem__(i, out.detach()))
             for i, block in enumerate(model.transformer.h)]
    with torch.no_grad():
        logits = model(torch.tensor([tokens])).logits[0].numpy()
    for h in hooks:
        h.remove()
    layers = []
    for i in range(cfg.n_layer):
        q, k, v = fused[i][0].split(cfg.n_embd, dim=1)
        heads = lambda x: x.view(n, cfg.n_head, head_dim).transpose(0, 1).numpy()
        layers.append((heads(q), heads(k), heads(v)))
    return logits, layers


def perturb(model):
    """Norm weights start at 1 and biases at 0; draw them so that mistakes in their use show."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name or "ln_" in name:
                p.normal_(1.0 if name.endswith("weight") else 0.0, 0.3)
            elif name.endswith("bias"):
                p.normal_(0.0, 0.3)


def save(model, dtype, folder, capture):
    perturb(model)
    # The reference sees the stored (rounded) weights. Only parameters are rounded: model.to(dtype)
    # would also round buffers such as RoPE's inv_freq, which transformers keeps in float32 on load.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(dtype).to(torch.float32))
    model = model.eval()
    logits, layers = capture(model, TOKENS)
    model.to(dtype).save_pretrained(folder, safe_serialization=True)
    ref = os.path.join(folder, "reference")
    os.makedirs(ref, exist_ok=True)
    np.save(os.path.join(ref, "tokens.npy"), np.array(TOKENS, dtype=np.int32))
    np.save(os.path.join(ref, "logits.npy"), logits.astype(np.float32))
    for i, (q, k, v) in enumerate(layers):
        for name, a in (("q", q), ("k", k), ("v", v)):
            np.save(os.path.join(ref, f"layer{i}.{name}.npy"), a.astype(np.float32))


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    llama = transformers.LlamaConfig(vocab_size=128, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                     rope_theta=500000.0, rms_norm_eps=1e-6, tie_word_embeddings=False)
    save(transformers.LlamaForCausalLM(llama), torch.float32, os.path.join(out, "llama"), capture_llama_like)
    torch.manual_seed(1)
    qwen = transformers.Qwen2Config(vocab_size=128, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                                    num_attention_heads=4, num_key_value_heads=1, max_position_embeddings=64,
                                    rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=True)
    save(transformers.Qwen2ForCausalLM(qwen), torch.bfloat16, os.path.join(out, "qwen2"), capture_llama_like)
    torch.manual_seed(2)
    gpt2 = transformers.GPT2Config(vocab_size=128, n_embd=32, n_layer=2, n_head=4, n_positions=64)
    save(transformers.GPT2LMHeadModel(gpt2), torch.float16, os.path.join(out, "gpt2"), capture_gpt2)
    print("transformers", transformers.__version__, "torch", torch.__version__)


if __name__ == "__main__":
    main()
