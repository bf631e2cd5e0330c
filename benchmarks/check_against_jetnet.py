"""Show that hepzoo's jet metrics equal jetnet 0.2.5's on the same inputs and seeds (prints a table).

Needs the optional packages jetnet and energyflow (see docs/jets.md). Inputs: two JetNet files
(default: top and W jets made by benchmarks/jets_docs_plots.py), first --n jets of each.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

from hepzoo.data.jetnet_io import read_jetnet
from hepzoo.metrics import efp, stats
from hepzoo.metrics import jets as hz

DATA = Path("/tmp/hepzoo-jets-docs")


def _row(name: str, ours, theirs, t_ours: float, t_theirs: float) -> str:
    a, b = np.atleast_1d(ours[0]).astype(float), np.atleast_1d(theirs[0]).astype(float)
    ea, eb = np.atleast_1d(ours[1]).astype(float), np.atleast_1d(theirs[1]).astype(float)
    rel = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))
    fmt = lambda v, e: f"{v.mean():.5g} ± {e.mean():.2g}"  # noqa: E731
    return f"| {name} | {fmt(a, ea)} | {fmt(b, eb)} | {rel:.1e} | {t_ours:.1f} / {t_theirs:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--real", type=Path, default=DATA / "jetnet150-top.h5")
    parser.add_argument("--gen", type=Path, default=DATA / "jetnet150-w.h5")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    import jetnet.evaluation.gen_metrics as gm

    warnings.filterwarnings("ignore")
    real, gen = read_jetnet(args.real)[: args.n], read_jetnet(args.gen)[: args.n]
    xr, xg = real.x.astype(np.float64), gen.x.astype(np.float64)
    rows = []

    def timed(fn):
        t = time.perf_counter()
        out = fn()
        return out, time.perf_counter() - t

    for name, ours_fn, theirs_fn in (
        ("W1M", lambda: hz.w1m(real, gen, seed=args.seed), lambda: gm.w1m(xr, xg)),
        ("W1P (mean of 3)", lambda: hz.w1p(real, gen, seed=args.seed), lambda: gm.w1p(xr, xg)),
        (
            "W1EFP (mean of 5)",
            lambda: hz.w1efp(real, gen, seed=args.seed),
            lambda: gm.w1efp(xr, xg, efp_jobs=1),
        ),
    ):
        ours, t1 = timed(ours_fn)
        gm.rng = np.random.default_rng(args.seed)  # jetnet's module-level generator, seeded alike
        theirs, t2 = timed(theirs_fn)
        rows.append(_row(name, ours, theirs, t1, t2))
    fr, t1 = timed(lambda: efp.efps(real.x, real.mask))
    fr_j, t2 = timed(lambda: gm.get_fpd_kpd_jet_features(xr, efp_jobs=1))
    fg, fg_j = efp.efps(gen.x, gen.mask), gm.get_fpd_kpd_jet_features(xg, efp_jobs=1)
    rel = np.max(np.abs(fr - fr_j) / np.maximum(np.abs(fr_j), 1e-300))
    rows.append(f"| 36 EFPs (d<=4), {args.n} jets | max rel. diff | | {rel:.1e} | {t1:.1f} / {t2:.1f} |")
    ours, t1 = timed(lambda: stats.fpd_extrapolated(fr, fg))
    theirs, t2 = timed(lambda: gm.fpd(fr_j, fg_j))
    rows.append(_row("FPD", ours, theirs, t1, t2))
    ours, t1 = timed(lambda: stats.kpd_batches(fr, fg))
    theirs, t2 = timed(lambda: gm.kpd(fr_j, fg_j))
    rows.append(_row("KPD", ours, theirs, t1, t2))
    print(f"{args.real.name} (reference) vs {args.gen.name}, {args.n} jets each, seed {args.seed}\n")
    print("| metric | hepzoo | jetnet 0.2.5 | max rel. diff | time hepzoo / jetnet [s] |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
