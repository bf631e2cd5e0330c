"""MDMA against the authors' code: identical random weights, generator and critic outputs compared.

    PYTHONPATH=core:plugins/mdma python benchmarks/mdma_control.py --authors /path/to/kaechb/MDMA

imports ``models.py`` from the authors' checkout (NeurIPS branch; nothing of it is copied; packages
only their training helpers need are stubbed), builds their ``Gen``/``Disc`` and ours at the same
sizes, copies their random weights into ours through ``hepzoo_mdma.keymap`` and prints the max
absolute differences (``hepzoo_mdma.authors.compare_with_authors``). Exit 1 when one exceeds --tol.
"""

from __future__ import annotations

import argparse
import os
import warnings

import torch

from hepzoo_mdma.authors import compare_with_authors
from hepzoo_mdma.config import CriticConfig, GeneratorConfig


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--authors", default=os.environ.get("HEPZOO_MDMA_AUTHORS", "/work/control/mdma"),
                   help="folder of the authors' checkout (models.py, helpers.py)")
    p.add_argument("--hidden", type=int, nargs=2, default=(48, 64), metavar=("GEN", "CRITIC"))
    p.add_argument("--jets", type=int, default=128)
    p.add_argument("--max-particles", type=int, default=150)
    p.add_argument("--tol", type=float, default=1e-4)
    args = p.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=FutureWarning)
    gen, critic = GeneratorConfig(hidden=args.hidden[0]), CriticConfig(hidden=args.hidden[1])
    diffs = compare_with_authors(args.authors, gen, critic, jets=args.jets, max_particles=args.max_particles,
                                 avg_n=62.9)
    for name, value in diffs.items():
        print(f"{name:20s} {value:.3g}")
    checked = ("gen_dense", "gen_masked", "critic_masked", "mean_field")
    return 0 if all(diffs[k] <= args.tol for k in checked) else 1


if __name__ == "__main__":
    raise SystemExit(main())
