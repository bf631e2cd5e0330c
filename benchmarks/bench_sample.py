"""End-to-end ``Model.sample`` throughput (events/s) vs batch size, for any model id or folder.

Run: ``python benchmarks/bench_sample.py epic-gan/jetnet150-top --device cuda --n 100000``
(``local-dir:PATH`` works too). Includes the prior, bucketing/sampling and post-processing, i.e.
what a user gets, unlike the network-only benchmarks of each family.
"""

from __future__ import annotations

import argparse
import time

import torch

import hepzoo


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--device", default="cpu")
    p.add_argument("--n", type=int, default=20_000)
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[1000, 10000])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    model = hepzoo.load(args.model, device=args.device)
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else f"CPU, {torch.get_num_threads()} threads"
    print(f"{args.model} on {name}, torch {torch.__version__}, {args.n} events per run\n")
    print("| batch size | events/s (best of runs) |")
    print("|---:|---:|")
    for batch in args.batch_sizes:
        model.sample(min(batch, args.n), seed=0, batch_size=batch, device=args.device)  # warm-up
        best = 0.0
        for r in range(args.repeats):
            start = time.perf_counter()
            model.sample(args.n, seed=r, batch_size=batch, device=args.device)
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            best = max(best, args.n / (time.perf_counter() - start))
        print(f"| {batch} | {best:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
