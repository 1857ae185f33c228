#!/usr/bin/env python3
"""Times PyTorch's dense CPU training step on the networks SparseScope's model presets build.

`sparsescope bench PROJECT.json` reports SparseScope's dense and sparse step times. This script measures the step
a user would otherwise run, PyTorch's, on the same layers, so the two can be set side by side. Run it by hand,
outside CI, on the machine whose figures you compare: every figure names its CPU, thread count and BLAS.

Needs (Debian 12): apt-get install python3-torch libopenblas0-pthread
  Debian's torch is built for the system interpreter: run /usr/bin/python3 if another python3 comes first in PATH.
  Torch calls whatever libblas.so.3 the system's alternative names. With Debian's default reference BLAS the
  linear layers run about ten times slower than with OpenBLAS. Check which one is active with
    update-alternatives --display libblas.so.3-x86_64-linux-gnu
  (torch.__config__.show() only says BLAS_INFO=generic); this script prints the library it loaded.

Usage:
  python3 docs/pytorch-step-bench.py [--model NAME[,NAME...]] [--batch 128] [--threads 2] [--repeats 7] [--json]
  Models: mlp, convnet, resnet20, resnet32, vgg16 (default: all). --model can be repeated.
  The comparisons we publish time the CIFAR ResNet-32 at --batch 64 and the others at 128.

What one step is, as SparseScope's bench times it (engine/bench/step_benchmark.cpp): forward in training mode
(batch-norm batch statistics, dropout on), softmax cross-entropy, backward, and SGD with Nesterov momentum 0.9 and
weight decay 5e-4 on the weights (not on biases or batch-norm scale and shift, SparseScope's default), on one
fixed batch of normal(0, 1) input and random labels. After a warm-up each sample runs enough steps back to back
to last about 3 ms (at least one); the median, min and max of the per-step times over the samples are reported.
Measure on a quiet machine: when other processes share the cores, a step on two or more threads can take many
times longer (torch's OpenMP threads spin at every barrier for a team member the kernel has descheduled; on a
2-core machine with two other busy processes the MLP step took 8 ms on one thread, 140 ms on two, and 7.6 ms on
two with OMP_WAIT_POLICY=PASSIVE, which lets waiting threads sleep). The script prints the load average it
started under, and warns when other processes were running.

The networks mirror engine/nn/model_factory.cpp with the settings of the dense example projects:
  mlp       projects/fashion-mlp-dense.json      784-300-100-10, ReLU
  convnet   projects/fashion-convnet-dense.json  conv 3x3 32 and 64 (with bias, 'same' padding), each followed by
            a 2x2 max pool then ReLU; dropout 0.3 before fc 128 and before the classifier
  resnet20  projects/fashion-resnet20-dense.json He et al.'s CIFAR ResNet on 1x28x28, projection shortcuts
  resnet32  projects/cifar10-resnet32-dense.json the same with five blocks a stage, on 3x32x32
  vgg16     projects/cifar10-vgg16-dense.json    VGG-16 with batch norm, convs without bias, one linear layer
Each model's parameter count is checked against the count `sparsescope run` prints in its header ("N parameters")
for that project; those counts were read from SparseScope's run of each dense example project (fashion-mnist,
and CIFAR-10-shaped data for the CIFAR models), and agree with a count by hand from model_factory.cpp.
"""

import argparse
import ctypes
import json
import math
import os
import statistics
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    # The usual cause: python3 in PATH is not the interpreter Debian's python3-torch was installed for.
    sys.exit(f"no torch for {sys.executable}: apt-get install python3-torch libopenblas0-pthread, "
             "then run this with /usr/bin/python3")

CLASSES = 10
WEIGHT_DECAY = 5e-4
SAMPLE_MS = 3.0  # a sample's length, as in SparseScope's bench: long enough for the clock, short enough to repeat


class BasicBlock(nn.Module):
    """He et al.'s basic block: conv3x3(stride) bn relu conv3x3 bn, plus the shortcut, then relu."""

    def __init__(self, in_channels, channels, stride):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, stride, 1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels))
        # Where the block changes shape, a 1x1 strided conv + batch norm (torchvision's option B): the presets' and
        # every example project's shortcut, "projection" (SparseScope's "zero_pad", option A, is left out).
        reshapes = stride != 1 or in_channels != channels
        self.shortcut = (nn.Sequential(nn.Conv2d(in_channels, channels, 1, stride, 0, bias=False),
                                       nn.BatchNorm2d(channels)) if reshapes else nn.Identity())

    def forward(self, x):
        return torch.relu(self.main(x) + self.shortcut(x))


def conv_bn_relu(in_channels, channels):
    # No conv bias where batch norm follows: its shift makes the bias redundant, and SparseScope builds none.
    return [nn.Conv2d(in_channels, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels), nn.ReLU()]


def mlp(channels, height, width):
    return nn.Sequential(nn.Flatten(), nn.Linear(channels * height * width, 300), nn.ReLU(), nn.Linear(300, 100),
                         nn.ReLU(), nn.Linear(100, CLASSES))


def convnet(channels, height, width):
    # Pool before ReLU, as SparseScope orders them: the same function, with the ReLU on a quarter of the values.
    return nn.Sequential(
        nn.Conv2d(channels, 32, 3, 1, 1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(32, 64, 3, 1, 1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * (height // 4) * (width // 4), 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, CLASSES))


def resnet(depth):
    """He et al.'s CIFAR ResNet: a 3x3 stem, three stages of (depth - 2) / 6 blocks at 16, 32 and 64 channels, the
    last two starting with stride 2, global average pooling and the classifier."""

    def build(channels, _height, _width):  # any input size: global average pooling ends it
        layers = conv_bn_relu(channels, 16)
        width = 16
        for stage_channels, stride in [(16, 1), (32, 2), (64, 2)]:
            for block in range((depth - 2) // 6):
                layers.append(BasicBlock(width, stage_channels, stride if block == 0 else 1))
                width = stage_channels
        return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, CLASSES))

    return build


def vgg16(channels, height, width):
    """The CIFAR VGG-16 with batch norm: groups of 3x3 convs, a 2x2 max pool after each (five halve 32x32 to 1x1),
    then the classifier."""
    layers, depth = [], channels
    for group in [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]]:
        for group_channels in group:
            layers += conv_bn_relu(depth, group_channels)
            depth = group_channels
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(depth * (height // 32) * (width // 32), CLASSES))


# name: (input shape C x H x W, builder taking that shape, the parameter count `sparsescope run` prints for it)
MODELS = {
    "mlp": ((1, 28, 28), mlp, 266_610),
    "convnet": ((1, 28, 28), convnet, 421_642),
    "resnet20": ((1, 28, 28), resnet(20), 272_186),
    "resnet32": ((3, 32, 32), resnet(32), 466_906),
    "vgg16": ((3, 32, 32), vgg16, 14_724_042),
}


def sgd_like_sparsescope(model):
    """Nesterov SGD whose weight decay skips biases and batch-norm scale and shift, as SparseScope's does unless
    a project sets decay_norm_and_bias."""
    weights = [p for p in model.parameters() if p.dim() > 1]
    others = [p for p in model.parameters() if p.dim() <= 1]
    return torch.optim.SGD([{"params": weights, "weight_decay": WEIGHT_DECAY}, {"params": others, "weight_decay": 0}],
                           lr=1e-3, momentum=0.9, nesterov=True)


def training_step(model, batch_shape):
    """The training step as a call without arguments: one fixed batch of random input and labels, as SparseScope's
    bench steps on one batch, so that the data pipeline is no part of the time."""
    x = torch.randn(batch_shape)
    labels = torch.randint(0, CLASSES, (batch_shape[0],))
    optimizer = sgd_like_sparsescope(model)
    loss_of = nn.CrossEntropyLoss()
    model.train()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss_of(model(x), labels).backward()
        optimizer.step()

    return step


def milliseconds(function, calls):
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) * 1000 / calls


def step_times(step, repeats):
    """Per-step milliseconds of `repeats` samples. Two untimed steps first let torch allocate and pick its kernels,
    a third sizes the samples. The samples follow one another on one model, so none needs a warm-up of its own."""
    milliseconds(step, 2)
    steps_per_sample = max(1, min(1000, math.ceil(SAMPLE_MS / milliseconds(step, 1))))
    return [milliseconds(step, steps_per_sample) for _ in range(repeats)]


def cpu_name():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def loaded_blas(threads):
    """The BLAS library this process loaded, described, and an OpenBLAS set to `threads` threads.

    Debian's torch links the generic libblas.so.3, so torch itself only reports BLAS_INFO=generic; which library
    that is shows in the process's mappings. torch.set_num_threads does not reach an OpenBLAS loaded that way: it
    would run its own thread per core, so --threads 1 would not mean one thread in the linear layers."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "libblas" in line.rsplit("/", 1)[-1]})
    if not paths:
        return "no libblas loaded (torch's BLAS_INFO: see torch.__config__.show())"
    library = ctypes.CDLL(paths[0])
    if not hasattr(library, "openblas_get_config"):
        return paths[0]
    library.openblas_set_num_threads(threads)
    library.openblas_get_config.restype = ctypes.c_char_p
    return f"{library.openblas_get_config().decode()} ({paths[0]})"


def measure(name, batch, repeats, threads, machine):
    shape, build, sparsescope_params = MODELS[name]
    model = build(*shape)
    params = sum(p.numel() for p in model.parameters())
    if params != sparsescope_params:
        raise SystemExit(f"{name}: {params} parameters, SparseScope's preset has {sparsescope_params}: the network "
                         "no longer mirrors the preset")
    times = step_times(training_step(model, (batch, *shape)), repeats)
    return {"model": name, "input": "x".join(map(str, shape)), "batch": batch, "threads": threads, "params": params,
            "step_ms_median": round(statistics.median(times), 3), "step_ms_min": round(min(times), 3),
            "step_ms_max": round(max(times), 3), "torch": torch.__version__, **machine}


def print_table(rows, repeats):
    first = rows[0]
    print(f"PyTorch {first['torch']}, {first['threads']} threads, BLAS: {first['blas']}")
    print(f"CPU: {first['cpu']}, load average {first['load_average']} at the start")
    print(f"{'model':<9} {'input':<8} {'batch':>5} {'params':>10} {'median ms':>10} {'min':>9} {'max':>9}")
    for r in rows:
        print(f"{r['model']:<9} {r['input']:<8} {r['batch']:>5} {r['params']:>10} {r['step_ms_median']:>10.2f} "
              f"{r['step_ms_min']:>9.2f} {r['step_ms_max']:>9.2f}")
    print(f"ms per dense training step (forward, loss, backward, SGD update) over {repeats} samples")


def model_names(values):
    names = [n for value in values or [",".join(MODELS)] for n in value.split(",") if n]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise SystemExit(f"unknown model {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    return names


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", help="mlp, convnet, resnet20, resnet32, vgg16 (default: all)")
    parser.add_argument("--batch", type=positive, default=128, help="examples a step (default 128)")
    parser.add_argument("--threads", type=positive, default=2, help="torch's and OpenBLAS's threads (default 2)")
    parser.add_argument("--repeats", type=positive, default=7, help="samples a model, median reported (default 7)")
    parser.add_argument("--json", action="store_true", help="one JSON array of rows")
    args = parser.parse_args()

    names = model_names(args.model)
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    # Read before any work of ours: what else was running while we measured.
    machine = {"cpu": cpu_name(), "blas": loaded_blas(args.threads), "load_average": round(os.getloadavg()[0], 2)}
    if machine["load_average"] > 0.5:
        print(f"warning: load average {machine['load_average']}: other processes use the CPU, which can make "
              "multi-threaded steps many times slower than on a quiet machine", file=sys.stderr)
    rows = [measure(name, args.batch, args.repeats, args.threads, machine) for name in names]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print_table(rows, args.repeats)


if __name__ == "__main__":
    main()
