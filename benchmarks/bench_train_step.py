"""Training steps/s per family: eager or ``--compile``, fp32 or bf16 autocast, side by side in one process.

    OMP_NUM_THREADS=1 nice -n 15 python benchmarks/bench_train_step.py --threads 1 \\
        [--configs pc-droid-cae:30 pc-droid-cae:150 mdma:150 epic-gan:30 epic-gan:150] [--steps 20] \\
        [--recipe-arg hidden=128 --recipe-arg layers=6]

Each (family, N) builds the recipe's default model, networks, optimisers (its defaults: AdamW or
Adam, clipping, EMA) and step, and cuts the recipe's own epoch into batches of ``--batch`` jets
(pc-droid: trimmed to each batch's largest jet; GANs: one multiplicity per batch). Jets have
JetNet150-top-like multiplicities (mean 63, std 17.5, arXiv:2106.11535; clipped to [10, N]).
Every variant replays the same batches from the same seed: ``--warmup`` steps (the compiled
variants compile there: their time beyond ``--warmup`` median steps is reported as the compile
time), then the median of ``--steps`` steps. Prints a markdown table and one JSON line per variant.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

import torch

from hepzoo.samples import Samples
from hepzoo.testing import jetnet_like_samples
from hepzoo.training import EMA, StepContext, TrainOptions, compile_targets, compiled_networks
from hepzoo.training.cli import recipe_for

VARIANTS = (("eager", False, False), ("eager", True, False), ("compiled", False, True), ("compiled", True, True))
CONFIGS = ("pc-droid-cae:30", "pc-droid-cae:150", "mdma:150", "epic-gan:30", "epic-gan:150")


jets = jetnet_like_samples  # JetNet150-top-like multiplicities (mean 63), every jet condition


def measure(family: str, n: int, data: Samples, batch: int, bf16: bool, compile: bool, warmup: int,
            steps: int, recipe_args: dict | None = None) -> dict:
    """Steps/s (median of ``steps``) of one variant and the seconds its warm-up took beyond steady steps."""
    import torch._dynamo

    torch._dynamo.reset()  # every compiled variant starts from an empty cache
    recipe = recipe_for(family)
    recipe.args.update(recipe_args or {}, max_particles=n)
    options = TrainOptions(**{**recipe.defaults, "batch_size": batch})
    torch.manual_seed(0)
    model = recipe.build_model(data).train()
    networks = {"model": model, **recipe.networks(model)}
    optimizers = {k: recipe.make_optimizer(k, [p for p in v.parameters() if p.requires_grad], options)
                  for k, v in networks.items()}
    step = recipe.make_step(model, networks)
    ema = EMA(model, options.ema) if options.ema is not None else None
    ctx = StepContext(networks, optimizers, torch.device("cpu"), torch.Generator().manual_seed(0), bf16=bf16,
                      clip_grad=options.clip_grad)
    prepared = recipe.prepare(model, data, torch.device("cpu"))
    batches = recipe.epoch_batches(prepared, batch, torch.Generator().manual_seed(0))
    if len(batches) < warmup + steps:
        raise SystemExit(f"{family} N={n}: {len(batches)} batches, fewer than --warmup + --steps; pass more --jets")
    times = []
    with compiled_networks(compile_targets(networks), enabled=compile):
        for i in range(warmup + steps):
            start = time.perf_counter()
            step(batches[i], ctx)
            if ema is not None:
                ema.update(model)
            times.append(time.perf_counter() - start)
    median = statistics.median(times[warmup:])
    return {"family": family, "N": n, "mode": "compiled" if compile else "eager", "bf16": bf16,
            "steps_per_s": round(1.0 / median, 3), "warmup_extra_s": round(sum(times[:warmup]) - warmup * median, 1)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), help="FAMILY:N")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--jets", type=int, default=125_000,
                   help="jets per epoch (a JetNet150 type's size: most bucketed GAN batches are then full, as in training)")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--recipe-arg", action="append", default=[], metavar="KEY=INT",
                   help="a recipe option for every config, e.g. hidden=128 layers=6 (mdma-fm at a CPU width)")
    p.add_argument("--warm-cache", action="store_true",
                   help="reuse inductor's on-disk cache (default: a fresh one, so compile times are a first run's)")
    args = p.parse_args()
    args.recipe_args = recipe_args(p, args)
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="bench-train-step-inductor-") as cache:
        if not args.warm_cache:
            os.environ["TORCHINDUCTOR_CACHE_DIR"] = cache
        rows = run(args)
    print(f"\n| family | N | eager fp32 | eager bf16 | compiled fp32 | compiled bf16 | compile s (fp32 / bf16) |"
          f"  steps/s, batch {args.batch}, {args.threads} thread")
    print("|---|---|---|---|---|---|---|")
    for config in args.configs:
        family, n = config.split(":")
        mine = [r for r in rows if r["family"] == family and r["N"] == int(n)]
        rates = " | ".join(f"{r['steps_per_s']:.2f}" for r in mine)
        first = " / ".join(f"{r['warmup_extra_s']:.0f}" for r in mine if r["mode"] == "compiled")
        print(f"| {family} | {n} | {rates} | {first} |")
    return 0


def recipe_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, int]:
    """``--recipe-arg KEY=INT`` pairs, each a size option of every config's recipe (else one line, exit 2)."""
    pairs = {}
    for item in args.recipe_arg:
        key, sep, value = item.partition("=")
        if not sep or not key or not value.lstrip("-").isdigit():
            parser.error(f"--recipe-arg takes KEY=INT (e.g. hidden=128), got {item!r}")
        pairs[key] = int(value)
    for config in args.configs:
        known = set(recipe_for(config.split(":")[0]).args) - {"max_particles"}  # N comes from FAMILY:N
        unknown = sorted(set(pairs) - known)
        if unknown:
            parser.error(f"--recipe-arg {', '.join(unknown)}: not an option of {config}'s recipe "
                         f"(it takes {', '.join(sorted(known))})")
    return pairs


def run(args: argparse.Namespace) -> list[dict]:
    """Every variant of every config, printed as it is measured."""
    rows = []
    for config in args.configs:
        family, n = config.split(":")
        data = jets(args.jets, int(n))
        for _, bf16, compile in VARIANTS:
            row = measure(family, int(n), data, args.batch, bf16, compile, args.warmup, args.steps, args.recipe_args)
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
