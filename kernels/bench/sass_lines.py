#!/usr/bin/env python3
"""Per-instruction lines of an ncu source page (--page source --print-source sass --csv).

Reads the CSV on stdin and writes, for every SASS instruction that ran or was sampled, its index,
text, warp instructions executed and warp stall samples (all), after a total line: what
results/*-ncu-select-sass.txt holds. Usage:
  ncu -i REPORT.ncu-rep --page source --print-source sass --csv | python3 sass_lines.py > OUT.txt
"""
import csv
import sys


def number(text):
    try:
        return int(float(text.replace(",", "")))
    except ValueError:
        return 0


def main():
    rows = list(csv.reader(sys.stdin))
    header_at = next(i for i, row in enumerate(rows) if "Address" in row and "Source" in row)
    header = rows[header_at]
    source = header.index("Source")
    executed = header.index("Instructions Executed")
    samples = header.index("Warp Stall Sampling (All Samples)")
    lines = [row for row in rows[header_at + 1:] if len(row) == len(header)]
    total_executed = sum(number(row[executed]) for row in lines)
    total_samples = sum(number(row[samples]) for row in lines)
    print(f"# total: {total_executed} warp instructions, {total_samples} samples")
    for index, row in enumerate(lines):
        ran, sampled = number(row[executed]), number(row[samples])
        if ran or sampled:
            print(index, " ".join(row[source].split()), ran, sampled)


if __name__ == "__main__":
    main()
