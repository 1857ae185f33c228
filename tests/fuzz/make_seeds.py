#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (corpus/<target>/) from small real files:
    make_seeds.py <sparsescope binary> <source dir>
A few of the shipped projects, a 3-image slice of Fashion-MNIST's test set (raw and gzip), two CIFAR-10
records, two CIFAR-100 records, small CSV files, the checkpoint and mask snapshots of a two-epoch sparse run,
and a snapshot of a layer sparse enough that its positions are kept as gaps rather than a bitmap. Crash inputs
the fuzzers found are added to the corpora by hand (named crash-<what>) and this script leaves them alone, as
it leaves fuzz_mask_bitmap's seeds: snapshots in the bitmap form of stores before schema 5, which SparseScope
no longer writes."""
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
WIDE_SPARSE_RUN = {
    "format": 1, "name": "fuzz-seed-wide",
    "data": {"dataset": "spirals", "examples": 60, "classes": 3},
    "model": {"preset": "mlp", "hidden": [256]},
    "train": {"epochs": 1, "batch_size": 16, "threads": 1},
    "sparsity": {"target": 0.98, "scheme": "unstructured", "distribution": "uniform"},
    "algorithm": {"name": "static"},
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
    # A CIFAR-100 record has a coarse label byte before the fine one.
    records100 = bytes([3, 47]) + pixels + bytes([19, 99]) + pixels[::-1]
    write(corpus / "fuzz_cifar", "cifar100-two-records-raw", records100)

    write(corpus / "fuzz_csv", "header", b"label,x,y\n0,0.5,-1.25\n2,+3e2,7\n1,0,0\n")
    write(corpus / "fuzz_csv", "no-header-crlf", b"1, 0.25, 0.5, 1\r\n0, 1e-3, -2, 4\r\n")

    with tempfile.TemporaryDirectory() as work:
        db = run_into_store(binary, pathlib.Path(work), SMALL_SPARSE_RUN)
        (payload,) = db.execute("SELECT payload FROM checkpoints ORDER BY id DESC LIMIT 1").fetchone()
        write(corpus / "fuzz_checkpoint", "mest-spirals", zlib.decompress(payload[8:]))
        write_position_seeds(corpus, db, "mest-spirals", 2)
        write_position_seeds(corpus, run_into_store(binary, pathlib.Path(work), WIDE_SPARSE_RUN), "static-spirals", 2)


def run_into_store(binary, work, spec):
    project = work / (spec["name"] + ".json")
    project.write_text(json.dumps(spec))
    store = work / (spec["name"] + ".db")
    subprocess.run([binary, "run", str(project), "--db", str(store)], check=True, stdout=subprocess.DEVNULL)
    return sqlite3.connect(store)


def write_position_seeds(corpus, db, name, count):
    """fuzz_position_coding's input: the layer's entry count as a little-endian int64, then the snapshot's mask."""
    query = "SELECT rows, cols, mask FROM mask_snapshots ORDER BY step, layer LIMIT ?"
    for rows, cols, mask in db.execute(query, (count,)):
        write(corpus / "fuzz_position_coding", "%s-%dx%d" % (name, rows, cols), struct.pack("<q", rows * cols) + mask)


if __name__ == "__main__":
    main(*sys.argv[1:])
