"""MDMA training steps per second on the CPU: the recipes' own steps, batch 128, one multiplicity per batch.

    PYTHONPATH=core:plugins/mdma nice -n 15 python benchmarks/bench_mdma_train.py --threads 1 \\
        [--families mdma mdma-fm] [--sizes 30 63 150] [--batch 128] [--steps 5]

Each (family, N, precision) builds the family's default model and networks (authors' sizes: GAN
16/48 generator and 16/64 critic; flow matching 512 x 10 blocks) and its optimisers, then times
``--steps`` steps of the recipe's step (GAN: critic + generator update with mean-field matching;
flow matching: OT-paired loss, one update) on random batches of ``batch`` jets of N particles, after
one warm-up step. N=63 is JetNet150 tops' mean multiplicity, what a bucketed batch holds on average.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from hepzoo.representations import PointCloud
from hepzoo.samples import Samples
from hepzoo.testing import random_jets
from hepzoo.training import StepContext, TrainOptions, default_optimizer
from hepzoo_mdma.train import MdmaFmRecipe, MdmaRecipe

RECIPES = {"mdma": MdmaRecipe, "mdma-fm": MdmaFmRecipe}


def steps_per_second(family: str, n: int, batch: int, steps: int, bf16: bool) -> float:
    """Median steps/s of ``family``'s training step on ``batch`` jets of ``n`` particles."""
    torch.manual_seed(0)
    recipe = RECIPES[family]()
    x, mask = random_jets(256, n, seed=0, min_particles=n)
    model = recipe.build_model(Samples(x=x, representation=PointCloud(n), mask=mask))
    nets = {"model": model, **recipe.networks(model)}
    options = TrainOptions(**recipe.defaults)
    opts = {k: default_optimizer([p for p in v.parameters() if p.requires_grad], options) for k, v in nets.items()}
    ctx = StepContext(nets, opts, torch.device("cpu"), torch.Generator().manual_seed(0), bf16=bf16)
    step = recipe.make_step(model, nets)
    data = model.training_points(Samples(x=x, representation=PointCloud(n), mask=mask))[n]
    times = []
    for i in range(steps + 1):
        idx = torch.randint(len(data), (batch,))
        start = time.perf_counter()
        step(data[idx], ctx)
        if i:
            times.append(time.perf_counter() - start)
    return 1.0 / statistics.median(times)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--families", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    p.add_argument("--sizes", type=int, nargs="+", default=[30, 63, 150])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=5)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    np.seterr(all="ignore")
    print(f"| family | N | fp32 steps/s | bf16 autocast steps/s |  ({args.threads} thread, batch {args.batch})")
    print("|---|---|---|---|")
    for family in args.families:
        for n in args.sizes:
            rates = [steps_per_second(family, n, args.batch, args.steps, bf16) for bf16 in (False, True)]
            print(f"| {family} | {n} | {rates[0]:.3g} | {rates[1]:.3g} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
