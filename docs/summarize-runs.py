#!/usr/bin/env python3
"""Prints one line per run from the --json logs (.jsonl) of the table scripts in docs/: final test accuracy, the
last epoch, the density reached and the median epoch time.
usage: summarize-runs.py RUN.jsonl..."""
import json
import pathlib
import statistics
import sys

for path in sys.argv[1:]:
    name = pathlib.Path(path).stem
    rows = [json.loads(line) for line in open(path) if line.strip()]
    if not rows:
        print(f"{name:40s} no finished epoch")
        continue
    last = rows[-1]
    epoch = statistics.median(r["epoch_seconds"] for r in rows)
    print(f"{name:40s} {100 * last['test_accuracy']:6.2f}%  epoch {last['epoch']:3d}  "
          f"density {last['density']:.4f}  median epoch {epoch:6.1f} s")
