#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (corpus/<target>/) from small real files:
    make_seeds.py <sparsescope binary> <source dir>
A few of the shipped projects, a 3-image slice of Fashion-MNIST's test set (raw and gzip), two CIFAR-10
records, small CSV files, and the checkpoint and a mask snapshot of a two-epoch sparse run. Crash inputs the
fuzzers found are added to the corpora by hand (named crash-<what>) and this script leaves them alone."""
import gzip
import json
import pathlib
import sqlite3
import struct
import subprocess
import sys
import tempfile
import zlib

FASHION = pathlib.Path("/usr/share/datasets/fashion-mnist")
PROJECTS = ["spirals-mlp-dense", "fashion-mlp-mest-em-s-90", "fashion-convnet-rigl-90", "fashion-mlp-gmp-90",
            "fashion-mlp-sweep"]
SMALL_SPARSE_RUN = {
    "format": 1, "name": "fuzz-seed",
    "data": {"dataset": "spirals", "examples": 60, "classes": 3},
    "model": {"preset": "mlp", "hidden": [12, 8]},
    "train": {"epochs": 2, "batch_size": 16, "threads": 1},
    "sparsity": {"target": 0.8, "scheme": "unstructured", "distribution": "erk"},
    "algorithm": {"name": "mest", "variant": "em&s", "every_epochs": 1},
}


def write(corpus, name, data):
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / name).write_bytes(data)


def idx_slice(path, header_size, item_size, count):
    raw = gzip.decompress(path.read_bytes())
    header = bytearray(raw[:header_size])
    header[4:8] = struct.pack(">I", count)
    return bytes(header) + raw[header_size:header_size + item_size * count]


def main(binary, source):
    corpus = pathlib.Path(source) / "tests" / "fuzz" / "corpus"
    for name in PROJECTS:
        write(corpus / "fuzz_project", name + ".json", (pathlib.Path(source) / "projects" / (name + ".json")).read_bytes())

    labels = idx_slice(FASHION / "t10k-labels-idx1-ubyte.gz", 8, 1, 3)
    images = idx_slice(FASHION / "t10k-images-idx3-ubyte.gz", 16, 28 * 28, 3)
    for suffix, (l, i) in {"raw": (labels, images), "gzip": (gzip.compress(labels), gzip.compress(images))}.items():
        write(corpus / "fuzz_idx", "fashion-3-" + suffix, struct.pack("<H", len(l)) + l + i)

    # CIFAR-10 records are a label byte and 3x32x32 pixels; Fashion-MNIST's pixels stand in for a photo.
    pixels = (images[16:] * 2)[:3 * 32 * 32]
    records = bytes([3]) + pixels + bytes([9]) + pixels[::-1]
    write(corpus / "fuzz_cifar", "two-records-raw", records)
    write(corpus / "fuzz_cifar", "two-records-gzip", gzip.compress(records))

    write(corpus / "fuzz_csv", "header", b"label,x,y\n0,0.5,-1.25\n2,+3e2,7\n1,0,0\n")
    write(corpus / "fuzz_csv", "no-header-crlf", b"1, 0.25, 0.5, 1\r\n0, 1e-3, -2, 4\r\n")

    with tempfile.TemporaryDirectory() as work:
        project = pathlib.Path(work) / "run.json"
        project.write_text(json.dumps(SMALL_SPARSE_RUN))
        store = pathlib.Path(work) / "seed.db"
        subprocess.run([binary, "run", str(project), "--db", str(store)], check=True, stdout=subprocess.DEVNULL)
        db = sqlite3.connect(store)
        (payload,) = db.execute("SELECT payload FROM checkpoints ORDER BY id DESC LIMIT 1").fetchone()
        write(corpus / "fuzz_checkpoint", "mest-spirals", zlib.decompress(payload[8:]))
        for rows, cols, bitmap in db.execute("SELECT rows, cols, bitmap FROM mask_snapshots ORDER BY step LIMIT 2"):
            write(corpus / "fuzz_mask_bitmap", "mest-spirals-%dx%d" % (rows, cols), struct.pack("<ii", rows, cols) + bitmap)


if __name__ == "__main__":
    main(*sys.argv[1:])
