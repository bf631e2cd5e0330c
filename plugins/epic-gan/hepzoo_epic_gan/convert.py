"""Convert an authors' EPiC-GAN checkpoint (uhh-pd-ml/EPiC-GAN ``trained_models/*.tar``) to a hepzoo folder.

The original ``.tar`` holds the generator under ``decoder_state`` (old-style weight norm keys) and
no preprocessing: the normalisation constants are the authors' hard-coded JetNet-top values
(``utils.get_kde_etc``) unless given, and the multiplicity prior is fitted on a dataset file.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo_epic_gan.config import EpicGanConfig
from hepzoo_epic_gan.keymap import authors_to_ours

__all__ = ["JETNET_TOP_NORM", "DEFAULT_PT_MIN", "read_authors_generator", "convert_checkpoint", "main_convert"]

# (mean, std) per feature in the authors' order (pT_rel, eta_rel, phi_rel), JetNet top jets.
JETNET_TOP_NORM = {
    150: ((0.015980698, -7.679745e-05, 5.852982e-06), (0.030631103, 0.13794015, 0.13737969)),
    30: ((0.030520283, 6.3335856e-06, -4.6439443e-05), (0.03952279, 0.11629426, 0.1172293)),
}
DEFAULT_PT_MIN = 0.00013  # the authors' default ``min_pt`` in generate/evaluation functions


def read_authors_generator(path: str | Path) -> dict[str, torch.Tensor]:
    """The generator state dict from an authors' checkpoint, renamed to hepzoo's module names.

    Only ``torch.load(weights_only=True)`` (tensors and plain containers) or safetensors files are
    read; anything that needs arbitrary unpickling is refused.
    """
    from hepzoo.hub import read_checkpoint

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path} does not exist; pass the authors' EPiC_<type>_<N>.tar checkpoint")
    state = read_checkpoint(path)
    if isinstance(state, dict) and "decoder_state" in state:
        state = state["decoder_state"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ConfigError(f"{path} holds no generator state dict (expected a 'decoder_state' entry of tensors)")
    return authors_to_ours(state, "generator")


def convert_checkpoint(
    path: str | Path,
    out_dir: str | Path,
    multiplicities: str | Path,
    n_particles: int = 150,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    pt_min: float = DEFAULT_PT_MIN,
    tag: str | None = None,
) -> Path:
    """Write a hepzoo model folder for an authors' checkpoint; returns the folder.

    ``multiplicities``: a JetNet HDF5 file whose training split (70/15/15, seed 42) the multiplicity
    prior is fitted on. ``mean``/``std``: normalisation in the authors' (pT, eta, phi) order;
    default the authors' JetNet-top constants for ``n_particles`` (30 or 150).
    """
    from hepzoo.data import read_jetnet, split_indices
    from hepzoo_epic_gan.model import EpicGanModel

    if mean is None or std is None:
        if n_particles not in JETNET_TOP_NORM:
            raise ConfigError(f"no built-in constants for N={n_particles}; pass --mean and --std (3 values each)")
        mean, std = JETNET_TOP_NORM[n_particles]
    if len(mean) != 3 or len(std) != 3 or min(std) <= 0:
        raise ConfigError(f"mean and std need 3 values (pT, eta, phi) with std > 0; got {mean}, {std}")
    model = EpicGanModel(EpicGanConfig(max_particles=n_particles))
    model.generator.load_state_dict(read_authors_generator(path), strict=True)
    model.normaliser.set_constants(mean, std, pt_min)
    samples = read_jetnet(Path(multiplicities))  # at the file's own size, so a mismatch shows
    in_file = int(samples.x.shape[1])
    if in_file != n_particles:
        raise ConfigError(
            f"{multiplicities} holds {in_file}-particle jets but --n-particles is {n_particles}; a prior fitted on "
            f"them would not match the model: pass --n-particles {in_file} with its checkpoint, or a "
            f"{n_particles}-particle JetNet file"
        )
    counts = samples.mask.sum(1)[np.sort(split_indices(len(samples))["train"])]
    counts = counts[counts > 0]
    if len(counts) < 2:
        raise InvalidDataError(f"{multiplicities} has too few jets to fit the multiplicity prior")
    model.prior.fit(torch.as_tensor(counts, dtype=torch.float64).reshape(-1, 1))
    model.tag = tag
    return model.eval().save_pretrained(out_dir)


def main_convert(argv: Sequence[str] | None = None) -> int:
    """``hepzoo convert epic-gan CKPT -o DIR --multiplicities JETNET.h5 [--n-particles 30]``."""
    p = argparse.ArgumentParser(prog="hepzoo convert epic-gan", description=__doc__.splitlines()[0])
    p.add_argument("checkpoint", help="authors' EPiC_<type>_<N>.tar (or a .safetensors state dict)")
    p.add_argument("-o", "--out", required=True, help="model folder to write")
    p.add_argument("--multiplicities", required=True, help="JetNet HDF5 file to fit the multiplicity prior on")
    p.add_argument("--n-particles", type=int, default=150, help="30 or 150 (JetNet30 / JetNet150)")
    p.add_argument("--mean", type=float, nargs=3, default=None, help="normalisation means (pT, eta, phi)")
    p.add_argument("--std", type=float, nargs=3, default=None, help="normalisation stds (pT, eta, phi)")
    p.add_argument("--pt-min", type=float, default=DEFAULT_PT_MIN, help="smallest generated pT_rel")
    p.add_argument("--tag", default=None)
    args = p.parse_args(argv)
    folder = convert_checkpoint(args.checkpoint, args.out, args.multiplicities, args.n_particles, args.mean,
                                args.std, args.pt_min, args.tag)
    print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_convert())
