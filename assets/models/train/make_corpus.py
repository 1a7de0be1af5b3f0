#!/usr/bin/env python3
"""The King James Bible corpus for hashscope's own models (issue 11), from Debian's bible-kjv.

`bible -f "Gen1:1-Rev22:21"` prints one verse per line as "<Book><chapter>:<verse> <text>". The
references are stripped and whole books are held out: every tenth book (the 10th, 20th, ... of the
66) is validation text, the rest training text, one verse per line. Also writes the small
validation excerpt the cross-format tests read (assets/models/kjv-val-excerpt.txt).

Usage: make_corpus.py OUT_DIR   (writes OUT_DIR/train.txt, OUT_DIR/val.txt)
"""
import os
import re
import subprocess
import sys

REFERENCE = re.compile(r"^(?P<book>\S*?)(?P<chapter>\d+):(?P<verse>\d+) (?P<text>.*)$")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    lines = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True, capture_output=True, text=True).stdout
    books, verses = [], {}
    for line in lines.splitlines():
        m = REFERENCE.match(line)
        if not m:
            raise SystemExit(f"make_corpus: unexpected line {line!r}")
        if m["book"] not in verses:
            books.append(m["book"])
            verses[m["book"]] = []
        verses[m["book"]].append(m["text"].strip())
    if len(books) != 66:
        raise SystemExit(f"make_corpus: expected 66 books, found {len(books)}")
    held_out = [b for i, b in enumerate(books) if i % 10 == 9]
    for name, chosen in (("train", [b for b in books if b not in held_out]), ("val", held_out)):
        with open(os.path.join(out, name + ".txt"), "w") as f:
            for book in chosen:
                f.write("\n".join(verses[book]) + "\n")
    excerpt = "\n".join(verses[held_out[0]][:10]) + "\n"  # about 300 tokens: inside the models' context
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kjv-val-excerpt.txt"), "w") as f:
        f.write(excerpt)
    print("held out:", " ".join(held_out))


if __name__ == "__main__":
    main()
