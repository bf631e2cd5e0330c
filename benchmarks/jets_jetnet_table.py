"""Per-type constituent and multiplicity moments of `hepzoo data make jetnet150-*` files beside JetNet's.

Makes (or reuses) one file per type with the CLI, times it (jets/s on one core with --workers 1),
and prints the markdown table of docs/jets.md. JetNet's numbers: eta_rel/phi_rel/pt_rel from the
normalisation constants of uhh-pd-ml/EPiC-GAN (utils/utils.py, over real particles of the
re-centred JetNet150 training sets), multiplicities from the training-set KDE files of EPiC-GAN
(t, g, q) and kaechb/MDMA (w, z); see ../shared/reference/jets.md section 6.

    python benchmarks/jets_jetnet_table.py -n 3000 --seed 0 --data /tmp/hepzoo-jetnet-table
    python benchmarks/jets_jetnet_table.py -n 1000 --detector none --radius 0.4   # JetNet's observed widths
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from hepzoo.atomic import atomic_write_text
from hepzoo.data.jetnet_io import read_jetnet
from hepzoo.data.jets.kinematics import center_on_pt_centroid

TYPES = ("gluon", "quark", "top", "w", "z")
# type: (eta mean, eta std, phi mean, phi std, pt mean, pt std) or None; (n mean, n std, q5, q25, q50, q75, q95)
JETNET_FEATURES = {
    "gluon": (-3.4e-6, 0.11777, -7.2e-6, 0.11499, 0.01503, 0.03148),
    "quark": (-4.5e-5, 0.11123, -6.1e-5, 0.10829, 0.02613, 0.06133),
    "top": (-7.7e-5, 0.13794, 5.9e-6, 0.13738, 0.01598, 0.03063),
    "w": None,
    "z": None,
}
JETNET_MULTIPLICITY = {
    "gluon": (66.6, 22.0, 35, 51, 64, 80, 107),
    "quark": (38.3, 16.9, 17, 26, 35, 47, 71),
    "top": (62.9, 17.5, 36, 51, 61, 74, 94),
    "w": (38.6, 11.4, 22, 30, 37, 45, 59),
    "z": (40.2, 12.2, 23, 31, 39, 47, 62),
}


def moments(path: Path) -> dict:
    """Feature moments over real constituents (re-centred as EPiC-GAN does) and multiplicity quantiles."""
    s = read_jetnet(path)
    x = center_on_pt_centroid(s.x, s.mask)
    f = x[s.mask]
    n = s.mask.sum(1)
    return {
        "features": [
            float(f[:, 0].mean()),
            float(f[:, 0].std()),
            float(f[:, 1].mean()),
            float(f[:, 1].std()),
            float(f[:, 2].mean()),
            float(f[:, 2].std()),
        ],  # fmt: skip
        "eta_rel_min": float(f[:, 0].min()),
        "max_dr": float(np.hypot(s.x[..., 0], s.x[..., 1])[s.mask].max()),
        "multiplicity": [float(n.mean()), float(n.std()), *np.percentile(n, [5, 25, 50, 75, 95]).tolist()],
        "jets": int(len(n)),
        "jetnet30_mean": float(np.minimum(n, 30).mean()),
        "meta": {
            k: s.meta.get(k) for k in ("seed", "acceptance", "fraction_outside_radius_dropped", "detector")
        },
    }


def _cell(ours: float, ref: float | None, digits: int, relative_to: float | None = None) -> str:
    if ref is None:
        return f"{ours:.{digits}f} / –"
    scale = relative_to if relative_to is not None else ref
    dev = (ours - ref) / abs(scale) * 100 if scale else float("nan")
    flag = "" if abs(dev) <= 10 else " ✗"
    return f"{ours:.{digits}f} / {ref:.{digits}f} ({dev:+.0f}%){flag}"


def table(results: dict) -> str:
    """Markdown: ours / JetNet (deviation) per type; means of eta/phi are compared in units of the std."""
    head = (
        "| type | eta_rel mean | eta_rel std | phi_rel mean | phi_rel std | pt_rel mean | pt_rel std |"
        " n mean | n std | n 5% | n 25% | n 50% | n 75% | n 95% |\n" + "|---" * 14 + "|\n"
    )
    rows = []
    for t, r in results.items():
        feats, ref = r["features"], JETNET_FEATURES[t]
        cells = []
        for i, digits in enumerate((4, 3, 4, 3, 4, 4)):
            rel = (ref[i + 1] if i in (0, 2) else None) if ref else None  # eta/phi means: relative to the std
            cells.append(_cell(feats[i], ref[i] if ref else None, digits, rel))
        mult, mref = r["multiplicity"], JETNET_MULTIPLICITY[t]
        cells += [_cell(mult[i], mref[i], 1 if i < 2 else 0) for i in range(7)]
        rows.append(f"| {t} | " + " | ".join(cells) + " |")
    return head + "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--detector", default="cms")
    parser.add_argument("--radius", type=float, default=0.8, help="anti-kT R (0.4 with --detector none: JetNet's observed widths)")
    parser.add_argument("--types", nargs="*", default=list(TYPES))
    parser.add_argument("--data", type=Path, default=Path("/tmp/hepzoo-jetnet-table"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    hepzoo = Path(sys.executable).with_name("hepzoo")
    results, speed = {}, {}
    for t in args.types:
        path = args.data / f"jetnet150-{t}-{args.detector}-r{args.radius:g}-seed{args.seed}-n{args.n}.h5"
        if not path.exists():
            start = time.perf_counter()
            cmd = [str(hepzoo), "data", "make", f"jetnet150-{t}", "-n", str(args.n), "--seed", str(args.seed),
                   "--workers", "1", "-q", "--set", f"detector={args.detector}", "--set", f"radius={args.radius:g}", "-o", str(path)]  # fmt: skip
            subprocess.run(cmd, check=True)
            speed[t] = args.n / (time.perf_counter() - start)
        results[t] = moments(path)
        results[t]["jets_per_s_one_core"] = speed.get(t)
        print(t, json.dumps(results[t]), flush=True)
    print(table(results))
    if args.json:
        atomic_write_text(args.json, json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
