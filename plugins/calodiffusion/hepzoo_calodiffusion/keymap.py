"""Names of the authors' CaloDiffusion U-Net state-dict keys (OzAmram/CaloDiffusionPaper) <-> ours.

The authors save ``CaloDiffu.state_dict()``: the U-Net under ``model.`` (dataset 1 adds a
``NN_embed.`` GLaM part, which :func:`split_authors_glam` takes off first). Module paths map by the table below; inside a
residual block or an attention block the parameter paths map by the inner tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch

from hepzoo.errors import ConfigError

__all__ = ["authors_to_ours", "ours_to_authors", "split_authors_glam", "AUTHORS_PREFIX", "GLAM_PREFIX"]

AUTHORS_PREFIX = "model."
GLAM_PREFIX = "NN_embed."
_GLAM = re.compile(r"NN_embed\.(encs|decs)\.(\d+)\.weight")

# (authors' module path, ours, kind); "{l}" is a stage index.
MODULES = (
    ("init_conv.conv", "stem", "leaf"),
    ("time_mlp.1", "time_embed.fc1", "leaf"),
    ("time_mlp.3", "time_embed.fc2", "leaf"),
    ("time_mlp.5", "time_embed.fc3", "leaf"),
    ("cond_mlp.1", "energy_embed.fc1", "leaf"),
    ("cond_mlp.3", "energy_embed.fc2", "leaf"),
    ("cond_mlp.5", "energy_embed.fc3", "leaf"),
    ("downs.{l}.0", "down.{l}.res1", "res"),
    ("downs.{l}.1", "down.{l}.res2", "res"),
    ("downs.{l}.2.conv", "down.{l}.resample", "leaf"),
    ("downs_attn.{l}", "down.{l}.attn", "attn"),
    ("mid_block1", "middle.res1", "res"),
    ("mid_attn", "middle.attn", "attn"),
    ("mid_block2", "middle.res2", "res"),
    ("ups.{l}.0", "up.{l}.res1", "res"),
    ("ups.{l}.1", "up.{l}.res2", "res"),
    ("ups.{l}.2.convTrans", "up.{l}.resample", "leaf"),
    ("ups_attn.{l}", "up.{l}.attn", "attn"),
    ("final_conv.0", "head.res", "res"),
    ("final_conv.1.conv", "head.out", "leaf"),
)
INNER = {
    "res": (
        ("mlp.1", "cond_proj"),
        ("block1.proj.conv", "conv1"),
        ("block1.norm", "norm1"),
        ("block2.proj.conv", "conv2"),
        ("block2.norm", "norm2"),
        ("res_conv.conv", "skip"),
    ),
    "attn": (
        ("fn.norm", "norm"),
        ("fn.fn.to_qkv.conv", "qkv"),
        ("fn.fn.to_out.0.conv", "proj"),
        ("fn.fn.to_out.1", "proj_norm"),
    ),
    "leaf": (("", ""),),
}
PARAMS = ("weight", "bias")


def _pattern(path: str) -> re.Pattern:
    return re.compile(re.escape(path).replace(re.escape("{l}"), r"(?P<l>\d+)"))


def _rules(forward: bool) -> list[tuple[re.Pattern, str, dict[str, str]]]:
    rules = []
    for authors, ours, kind in MODULES:
        src, dst = (authors, ours) if forward else (ours, authors)
        inner = {(a if forward else o): (o if forward else a) for a, o in INNER[kind]}
        rules.append((_pattern(src), dst, inner))
    return rules


def _rename(key: str, rules) -> str | None:
    path, _, param = key.rpartition(".")
    if param not in PARAMS:
        return None
    for pattern, dst, inner in rules:
        for src_inner, dst_inner in inner.items():
            full = pattern.pattern + (re.escape("." + src_inner) if src_inner else "")
            m = re.fullmatch(full, path)
            if m:
                module = dst.replace("{l}", m.group("l")) if "l" in m.groupdict() else dst
                return ".".join(p for p in (module, dst_inner, param) if p)
    return None


def authors_to_ours(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename an authors' ``CaloDiffu`` (or bare ``CondUnet``) state dict to :class:`CylindricalUNet` names."""
    glam = sorted(k for k in state if k.startswith(GLAM_PREFIX))
    if glam:
        raise ConfigError(
            f"this checkpoint has a GLaM shower embedding ({glam[0]}, ...: dataset 1); take it off with "
            "split_authors_glam first ('hepzoo convert calodiffusion-unet' does)"
        )
    rules = _rules(forward=True)
    out, unknown = {}, []
    for key, value in state.items():
        new = _rename(key.removeprefix(AUTHORS_PREFIX), rules)
        if new is None:
            unknown.append(key)
        else:
            out[new] = value
    if unknown:
        raise ConfigError(
            f"{len(unknown)} keys are not CaloDiffusion U-Net keys (first: {unknown[:3]}); pass the "
            "state dict the authors' train_diffu.py saves"
        )
    return out


def ours_to_authors(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The inverse of :func:`authors_to_ours`, with the ``model.`` prefix (to hand weights back)."""
    rules = _rules(forward=False)
    out, unknown = {}, []
    for key, value in state.items():
        new = _rename(key, rules)
        if new is None:
            unknown.append(key)
        else:
            out[AUTHORS_PREFIX + new] = value
    if unknown:
        raise ConfigError(f"{len(unknown)} keys are not hepzoo CaloDiffusion U-Net keys (first: {unknown[:3]})")
    return out


def split_authors_glam(state: Mapping[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """``(GLaM state in :class:`~hepzoo_calodiffusion.glam.GLaM` names, the rest)`` of a dataset-1 checkpoint."""
    glam, rest = {}, {}
    for key, value in state.items():
        m = _GLAM.fullmatch(key)
        if m:
            glam[f"{'encoders' if m.group(1) == 'encs' else 'decoders'}.{m.group(2)}.weight"] = value
        elif key.startswith(GLAM_PREFIX):
            raise ConfigError(f"{key} is not a GLaM encoder or decoder weight; is this CaloDiffusion's NNConverter?")
        else:
            rest[key] = value
    return glam, rest
