"""Convert an authors' CaloDiffusion checkpoint (OzAmram/CaloDiffusionPaper, dataset 1 or 2) to a hepzoo folder.

The authors' ``train_diffu.py`` saves ``CaloDiffu.state_dict()``: the U-Net under ``model.``, for
dataset 1 the GLaM under ``NN_embed.``, and no preprocessing (its constants are in their configs:
``ShowerScaling.published``). The U-Net's widths, attention and input channels, and the dataset-1
geometry (photons or pions, by GLaM's layer count), are read off the weights.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from hepzoo.errors import ConfigError
from hepzoo.hub import read_checkpoint
from hepzoo_calodiffusion.config import CaloDiffusionConfig, ShowerScaling, UNetConfig
from hepzoo_calodiffusion.keymap import authors_to_ours, split_authors_glam

__all__ = ["read_authors_state", "unet_config_from_state", "convert_checkpoint", "main_convert", "GLAM_GEOMETRIES"]

GLAM_GEOMETRIES = {5: "ds1-photons", 7: "ds1-pions"}  # non-empty layers of dataset 1


def read_authors_state(path: str | Path) -> dict[str, torch.Tensor]:
    """The state dict of an authors' ``.pth`` or ``.safetensors`` file, read by ``hepzoo.hub.read_checkpoint``."""
    state = read_checkpoint(path)
    if isinstance(state, Mapping) and "model_state_dict" in state:  # a training checkpoint with an optimiser
        state = state["model_state_dict"]
    if not isinstance(state, Mapping) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ConfigError(f"{path} holds no state dict of tensors; pass the file the authors saved model.state_dict() to")
    return dict(state)


def unet_config_from_state(state: Mapping[str, torch.Tensor]) -> UNetConfig:
    """The U-Net configuration (stage widths, attention, input channels) that the weights' shapes imply."""
    ours = authors_to_ours(state)
    try:
        stem = ours["stem.weight"]
        stages = sorted({int(m.group(1)) for k in ours if (m := re.match(r"down\.(\d+)\.res1\.conv1\.weight$", k))})
        sizes = (stem.shape[0], *(ours[f"down.{i}.res1.conv1.weight"].shape[0] for i in stages))
        cond_dim = ours["down.0.res1.cond_proj.weight"].shape[1]
        groups = 8
    except (KeyError, IndexError):
        raise ConfigError("the checkpoint lacks the U-Net's stem or first stage; is it a CaloDiffusion U-Net?") from None
    in_channels = stem.shape[1]
    if in_channels not in (1, 3, 4):
        raise ConfigError(
            f"the U-Net takes {in_channels} input channels; CaloDiffusion's take the shower alone (1), with "
            "R and Z (3) or with R, Z and the angle (4)"
        )
    return UNetConfig(
        layer_sizes=tuple(int(s) for s in sizes),
        cond_dim=int(cond_dim),
        groups=groups,
        block_attention="down.0.attn.qkv.weight" in ours,
        mid_attention="middle.attn.qkv.weight" in ours,
        geometry_channels=in_channels >= 3,
        angle_channel=in_channels == 4,
    )


def convert_checkpoint(path: str | Path, out_dir: str | Path, tag: str | None = None,
                       timesteps: int = 400, start_offset: int = 2) -> Path:
    """Write a hepzoo model folder for an authors' dataset-2 (or dataset-1, with GLaM) checkpoint."""
    from hepzoo_calodiffusion.model import CaloDiffusionModel

    glam_state, state = split_authors_glam(read_authors_state(path))
    geometry = "ds2"
    if glam_state:
        layers = sum(k.startswith("encoders.") for k in glam_state)
        if layers not in GLAM_GEOMETRIES:
            raise ConfigError(f"a GLaM of {layers} layers fits no CaloChallenge dataset-1 geometry (photons 5, pions 7)")
        geometry = GLAM_GEOMETRIES[layers]
    config = CaloDiffusionConfig(geometry=geometry, unet=unet_config_from_state(state), timesteps=timesteps,
                                 start_offset=start_offset, scaling=ShowerScaling.published(geometry))
    model = CaloDiffusionModel(config)
    try:
        model.unet.load_state_dict(authors_to_ours(state), strict=True)
        if glam_state:
            model.objective.backbone.glam.load_state_dict(glam_state, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[1] if len(str(exc).splitlines()) > 1 else str(exc)
        raise ConfigError(f"the checkpoint does not fit the {geometry} U-Net ({first.strip()})") from None
    model.tag = tag
    return model.eval().save_pretrained(out_dir)


def main_convert(argv: Sequence[str] | None = None) -> int:
    """``hepzoo convert calodiffusion-unet CKPT -o DIR [--tag TAG]``."""
    p = argparse.ArgumentParser(prog="hepzoo convert calodiffusion-unet", description=__doc__.splitlines()[0])
    p.add_argument("checkpoint", help="authors' state dict (.pth, read weights-only, or .safetensors)")
    p.add_argument("-o", "--out", required=True, help="model folder to write")
    p.add_argument("--tag", default=None, help="tag recorded in the folder (e.g. calochallenge-ds2)")
    p.add_argument("--timesteps", type=int, default=400, help="the diffusion steps it was trained with")
    p.add_argument("--start-offset", type=int, default=2, help="sample from t = timesteps - 1 - offset")
    args = p.parse_args(argv)
    folder = convert_checkpoint(args.checkpoint, args.out, args.tag, args.timesteps, args.start_offset)
    print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_convert())
