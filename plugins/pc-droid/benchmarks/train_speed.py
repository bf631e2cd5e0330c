"""Training steps/s of the PC-Droid families on this machine: batch, N, fp32/bf16, trimmed or padded batches.

Jets are synthetic with JetNet150-top-like multiplicities (mean 63, std 17.5, arXiv:2106.11535 files;
clipped to [10, N]); a step is the recipe's: EDM loss, AdamW, gradient clipping at 10.
``python plugins/pc-droid/benchmarks/train_speed.py --threads 1 --steps 10``
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from hepzoo.samples import Samples
from hepzoo.testing import jetnet_like_samples
from hepzoo.training import LossStep, StepContext
from hepzoo_pc_droid.batches import grouped_batches
from hepzoo_pc_droid.model import PcDroid, PcDroidCAE

jets = jetnet_like_samples  # JetNet150-top-like multiplicities (mean 63), every jet condition


def steps_per_second(cls, data: Samples, batch: int, bf16: bool, trim: bool, steps: int) -> float:
    torch.manual_seed(0)
    model = cls.from_training_data(data)
    x, c, mask = model.network_inputs(data)
    counts = mask.sum(1)
    plan = grouped_batches(counts, batch, torch.Generator().manual_seed(0), window=16 if trim else 1)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    ctx = StepContext({"model": model}, {"model": opt}, torch.device("cpu"), torch.Generator().manual_seed(0),
                      bf16=bf16, clip_grad=10.0)
    step = LossStep(model.objective)
    times = []
    for i, idx in enumerate(plan[: steps + 2]):
        n = int(counts[idx].max()) if trim else x.shape[1]
        start = time.perf_counter()
        step((x[idx, :n], c[idx], mask[idx, :n]), ctx)
        if i >= 2:  # the first steps warm up allocators
            times.append(time.perf_counter() - start)
    return 1.0 / float(np.median(times))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for cls in (PcDroidCAE, PcDroid):
        for n in (30, 150):
            data = jets(4096, n)
            for bf16 in (False, True):
                for trim in (True, False) if n == 150 else (True,):
                    rate = steps_per_second(cls, data, args.batch, bf16, trim, args.steps)
                    row = {"family": cls.family, "N": n, "batch": args.batch, "bf16": bf16, "trimmed": trim,
                           "threads": args.threads, "steps_per_s": round(rate, 3)}
                    rows.append(row)
                    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
