#!/usr/bin/env python3
"""Recipe for tests/data/bpe: a GPT-2-style byte-level BPE tokenizer trained with Hugging Face
`tokenizers` (ByteLevel pre-tokenizer, no prefix space, 420 pieces, <|endoftext|> = 0) on a small
corpus, and the ids `tokenizers` gives for sample texts (expected.json). Run where `tokenizers` is
installed (the device machine):  python3 tests/reference/byte_level_bpe_recipe.py OUTDIR"""
import json,os,sys
from tokenizers import Tokenizer,models,pre_tokenizers,decoders,trainers
o=sys.argv[1];os.makedirs(o,exist_ok=True)
t=Tokenizer(models.BPE());t.pre_tokenizer=pre_tokenizers.ByteLevel(add_prefix_space=False);t.decoder=decoders.ByteLevel()
c=["Once upon a time, there was a little girl named Lily. She loved to play outside in the park.","It's 2024 and they've said: we'll see 12,345 cafés, naïve résumés & coöperation!","Don't   stop\n\nthe  music... 3.14159 is π; x = y * 2 - 7 / 1e-5?","Straße, Ελληνικά, русский язык, 日本語のテキスト, 😀 emoji 🎉 time."]
t.train_from_iterator(c*30,trainers.BpeTrainer(vocab_size=420,special_tokens=["<|endoftext|>"],initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),show_progress=False))
t.save(o+"/tokenizer.json")
s=c+["Hello world","  leading spaces and trailing   ","tabs\tand\nnewlines\r\n end","I'm you're he'd we'll they're IT'S","numbers 1234567 and 3rd 2nd","¿Qué? ¡Sí! €100 — “quotes” …","emoji👍🏽 mixed数字123abc"," ","",  "a\n\n\nb"]
json.dump({"samples":s,"ids":[t.encode(x).ids for x in s]},open(o+"/expected.json","w"),ensure_ascii=False)
print(t.get_vocab_size())
