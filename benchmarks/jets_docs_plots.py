"""Generate a modest JetNet-like sample per jet type and draw the plots of docs/jets.md."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mplhep  # noqa: E402
import numpy as np  # noqa: E402

from hepzoo.atomic import atomic_write_text  # noqa: E402
from hepzoo.data.jetnet_io import read_jetnet  # noqa: E402
from hepzoo.data.jets.pythia import make_jets  # noqa: E402
from hepzoo.evaluation.report import save_figure  # noqa: E402

TYPES = ("gluon", "quark", "top", "w", "z")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path("/tmp/hepzoo-jets-docs"))
    parser.add_argument("--img", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    samples, summary = {}, {}
    for t in TYPES:
        path = args.data / f"jetnet150-{t}.h5"
        start = time.perf_counter()
        if not path.exists():
            make_jets(t, args.n, path, seed=0, workers=args.workers, progress=False)
        s = read_jetnet(path)
        samples[t] = s
        n = s.cond["n_particles"]
        summary[t] = {
            "acceptance": s.meta["acceptance"],
            "wall_s": round(time.perf_counter() - start, 1),
            "mass_q10_50_90": np.percentile(s.cond["mass"], [10, 50, 90]).round(1).tolist(),
            "n_mean": float(n.mean()),
            "n_min_max": [int(n.min()), int(n.max())],
            "truncated": s.meta["fraction_truncated"],
        }
        print(t, json.dumps(summary[t]), flush=True)
    plt.style.use(mplhep.style.CMS)
    panels = [
        ("mass", "jet mass [GeV]", np.linspace(0, 400, 61)),
        ("pt", "jet $p_T$ [GeV]", np.linspace(750, 1650, 46)),
        ("eta", r"jet $\eta$", np.linspace(-2.5, 2.5, 41)),
        ("n_particles", "constituents (first 150)", np.arange(0, 156, 4)),
    ]
    args.img.mkdir(parents=True, exist_ok=True)
    for key, label, bins in panels:
        fig, ax = plt.subplots(figsize=(8, 6))
        for t in TYPES:
            ax.hist(samples[t].cond[key], bins=bins, histtype="step", density=True, linewidth=1.8, label=t)
        for ref in (80.4, 91.2, 172.5) if key == "mass" else ():
            ax.axvline(ref, color="grey", linestyle=":", linewidth=1)
        ax.set_xlabel(label)
        ax.set_ylabel("density")
        ax.legend(fontsize=14)
        detector = samples[TYPES[0]].meta.get("detector", {}).get("name", "none")
        ax.set_title(f"Pythia 8 + FastJet, detector {detector} (hepzoo)", fontsize=14)
        save_figure(fig, args.img / f"jets_{key}.png", dpi=80, bbox_inches="tight")
    atomic_write_text(args.img / "jets_summary.json", json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
