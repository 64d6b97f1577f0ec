"""Is ``course_utils.fit`` as fast as a hand-written loop, and what does the in-memory loader buy?

In one process, with interleaved repeats, it trains the same model from the same
initial weights on MNIST-5k four ways: {hand-written loop, ``fit``} × {``DataLoader``
over a ``TensorDataset``, ``InMemoryLoader``}, for an MLP (784-512-10 with dropout)
and lecture 05's CNN, and reports the median time of each and the ratios:

* fit / hand loop: the overhead of the shared loop (goal ≤ 1.05);
* DataLoader / InMemoryLoader, both under fit: the loader's speed-up (goal ≥ 1.3 for the MLP),
  and the same for iterating the loaders alone, without training ("loader only").

    .venv/bin/python benchmarks/train_loop.py              # writes benchmarks/results/train_loop.csv
    .venv/bin/python benchmarks/train_loop.py --device cuda --out benchmarks/results/train_loop_cuda.csv
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import InMemoryLoader, fit, get_device, load_mnist5k, seed_everything  # noqa: E402
from course_utils.models import SmallCNN  # noqa: E402


def hand_loop(model, loader, loss_fn, optimizer, epochs, device):
    """The minimal PyTorch loop: what fit has to match."""
    model.train()
    for _ in range(epochs):
        for inputs, targets in loader:
            inputs, targets = (
                inputs.to(device, non_blocking=True),
                targets.to(device, non_blocking=True),
            )
            loss = loss_fn(model(inputs), targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()


def iterate_only(model, loader, loss_fn, optimizer, epochs, device):
    """No training: what the loader alone costs per run."""
    for _ in range(epochs):
        for inputs, targets in loader:
            inputs.to(device, non_blocking=True), targets.to(device, non_blocking=True)


def course_fit(model, loader, loss_fn, optimizer, epochs, device):
    fit(model, loader, loss_fn, optimizer, epochs, device=device, progress=False)


def make_loader(kind, X, y, batch_size, device):
    if kind == "DataLoader":
        generator = torch.Generator().manual_seed(0)
        return DataLoader(
            TensorDataset(X, y),
            batch_size=batch_size,
            shuffle=True,
            generator=generator,
            pin_memory=device.type == "cuda",
        )
    return InMemoryLoader(X, y, batch_size, shuffle=True, device=device)


def mlp():
    return nn.Sequential(
        nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10)
    )


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_case(base, loop, loader, epochs, device):
    model = copy.deepcopy(base).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    sync(device)
    start = time.perf_counter()
    loop(model, loader, nn.CrossEntropyLoss(), optimizer, epochs, device)
    sync(device)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default=None, help="cpu, cuda or mps (default: get_device())")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "train_loop.csv"
    )
    args = parser.parse_args(argv)

    device = get_device(args.device)
    seed_everything(0)
    split = load_mnist5k()
    X, y = split.X_train, split.y_train
    cases = [("MLP", mlp, 64, 2), ("MLP", mlp, 128, 2), ("CNN", SmallCNN, 64, 1)]
    loops = {"hand loop": hand_loop, "fit": course_fit, "loader only": iterate_only}
    rows = []
    for name, make_model, batch_size, epochs in cases:
        seed_everything(0)
        base = make_model()
        loaders = {
            kind: make_loader(kind, X, y, batch_size, device)
            for kind in ("DataLoader", "InMemoryLoader")
        }
        time_case(
            base, hand_loop, loaders["InMemoryLoader"], 1, device
        )  # warm-up: allocator, first optimizer
        times = {(loop, kind): [] for loop in loops for kind in loaders}
        for _ in range(
            args.repeats
        ):  # interleaved, so drifts in machine load hit every variant alike
            for (loop, kind), samples in times.items():
                samples.append(time_case(base, loops[loop], loaders[kind], epochs, device))
        for (loop, kind), samples in times.items():
            rows.append(
                {
                    "model": name,
                    "batch_size": batch_size,
                    "epochs": epochs,
                    "loop": loop,
                    "loader": kind,
                    "median_s": f"{statistics.median(samples):.3f}",
                    "min_s": f"{min(samples):.3f}",
                    "repeats": args.repeats,
                    "device": str(device),
                    "threads": torch.get_num_threads(),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                    "torch": torch.__version__,
                }
            )
        med = {key: statistics.median(v) for key, v in times.items()}
        print(
            f"{name} batch {batch_size}: fit/hand = {med['fit', 'DataLoader'] / med['hand loop', 'DataLoader']:.3f} "
            f"(DataLoader), {med['fit', 'InMemoryLoader'] / med['hand loop', 'InMemoryLoader']:.3f} (in memory); "
            f"in-memory speed-up under fit = {med['fit', 'DataLoader'] / med['fit', 'InMemoryLoader']:.2f}x, "
            f"loading alone = {med['loader only', 'DataLoader'] / med['loader only', 'InMemoryLoader']:.1f}x",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
