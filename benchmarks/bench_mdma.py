"""MDMA generator throughput on the CPU (jets/s): our modes, and the authors' generator beside them.

    PYTHONPATH=core:plugins/mdma nice -n 15 python benchmarks/bench_mdma.py --threads 1 \\
        [--authors /path/to/kaechb/MDMA] [--sizes 30 150] [--batch 1000]

Jets: N=30 holds 30 particles in every jet (JetNet30 tops: 98.6% full); N=150 draws multiplicities
from JetNet150 tops' mean 62.9 and std 17.5 (clipped to [10, 150]). Contestants, on the same noise
and weights (seed-0 init, the authors' default sizes): ours ``padded`` (dense ``[B, N, 3]`` with a
mask), ``bucketed`` (one dense call per multiplicity), ``packed`` (only real particles, the model's
CPU sampling path) in float32 and ``packed-bf16``; with ``--authors`` their ``Gen`` padded (with
``key_padding_mask``) and bucketed, our weights copied into theirs through ``hepzoo_mdma.keymap``.
Contestants are interleaved in rounds (order rotated), medians reported.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import torch

from hepzoo.data import PackedJets
from hepzoo.masking import mask_from_counts
from hepzoo.objectives import multiplicity_groups
from hepzoo_mdma.config import GeneratorConfig
from hepzoo_mdma.networks import MDMAGenerator


def multiplicities(n_max: int, batch: int, generator: torch.Generator) -> torch.Tensor:
    """Per-jet particle counts of the benchmark's jets."""
    if n_max <= 30:
        return torch.full((batch,), n_max)
    return (62.9 + 17.5 * torch.randn(batch, generator=generator)).round().clamp(10, n_max).long()


def contestants(gen: MDMAGenerator, z: torch.Tensor, mask: torch.Tensor, authors=None) -> dict:
    """``{name: fn()}`` each generating the same jets."""
    jets, packed_z = PackedJets.from_mask(mask), z[mask]
    groups = [(n, torch.as_tensor(idx)) for n, idx in multiplicity_groups(mask.sum(1))]

    def bf16():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return gen.forward_packed(packed_z, jets).float()

    out = {
        "ours padded": lambda: gen(z, mask=mask),
        "ours bucketed": lambda: [gen(z[idx, :n]) for n, idx in groups],
        "ours packed": lambda: gen.forward_packed(packed_z, jets),
        "ours packed-bf16": bf16,
    }
    if authors is not None:
        avg = float(gen.avg_n)
        cond = (mask.sum(1).float() / avg).view(-1, 1, 1)
        out["authors padded"] = lambda: authors(z, ~mask, cond)
        out["authors bucketed"] = lambda: [authors(z[idx, :n], torch.zeros(len(idx), n, dtype=torch.bool),
                                                   cond[idx]) for n, idx in groups]
    return out


def authors_generator(path: str, gen: MDMAGenerator, config: GeneratorConfig):
    """The authors' ``Gen`` from ``path`` (random init); its weights are copied into ``gen`` through the key map."""
    from hepzoo_mdma.authors import authors_hparams, load_authors_models
    from hepzoo_mdma.config import CriticConfig
    from hepzoo_mdma.keymap import from_authors

    theirs = load_authors_models(path).Gen(**authors_hparams(config, CriticConfig())).eval()
    theirs.avg_n = float(gen.avg_n)
    gen.load_state_dict({**from_authors(theirs.state_dict()), "avg_n": gen.avg_n.clone()}, strict=True)
    return theirs


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--sizes", type=int, nargs="+", default=[30, 150])
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--authors", default=None, help="folder of the authors' kaechb/MDMA checkout (NeurIPS branch)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=FutureWarning)
    config = GeneratorConfig()
    torch.manual_seed(0)
    gen = MDMAGenerator(config).eval()
    gen.avg_n.fill_(62.9)
    theirs = authors_generator(args.authors, gen, config) if args.authors else None
    print(f"| N | contestant | jets/s ({args.threads} thread{'s' * (args.threads > 1)}, batch {args.batch}) | "
          "max abs diff to ours padded |")
    print("|---|---|---|---|")
    for n_max in args.sizes:
        g = torch.Generator().manual_seed(1)
        counts = multiplicities(n_max, args.batch, g)
        mask = torch.as_tensor(mask_from_counts(counts, n_max))
        z = torch.randn(args.batch, n_max, 3, generator=g) * mask[..., None]
        fns = contestants(gen, z, mask, theirs)
        times: dict[str, list[float]] = {k: [] for k in fns}
        with torch.inference_mode():
            reference = gen(z, mask=mask)
            diffs = {}
            for name, fn in fns.items():
                out = fn()
                if isinstance(out, list):
                    dense = torch.zeros_like(reference)
                    for (n, idx), part in zip([(n, torch.as_tensor(i)) for n, i in multiplicity_groups(counts)], out):
                        dense[idx, :n] = part
                    out = dense
                elif out.dim() == 2:
                    out = PackedJets.unpack(out, mask)
                diffs[name] = float((out - reference)[mask].abs().max())
            names = list(fns)
            for r in range(args.rounds):
                for name in names[r % len(names):] + names[: r % len(names)]:
                    start = time.perf_counter()
                    fns[name]()
                    times[name].append(time.perf_counter() - start)
        for name in fns:
            rate = args.batch / statistics.median(times[name])
            print(f"| {n_max} | {name} | {rate:,.0f} | {diffs[name]:.2g} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
