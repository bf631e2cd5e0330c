"""The authors' MDMA state-dict keys (kaechb/MDMA ``models.py``: ``Gen``, ``Disc``, ``Block``) -> ours.

Their blocks keep ``nn.MultiheadAttention``'s stacked ``in_proj`` (weight-normalised in the critic
with ``torch.nn.utils.weight_norm``: ``in_proj_weight_g``/``_v``); ours has separate query, key
and value maps, so the stack is split in thirds. Their ``fc0_cls``, ``cond_cls`` and the critic's
``ln`` are never used in a forward pass and are dropped.
"""

from __future__ import annotations

import re

import torch

__all__ = ["from_authors", "UNUSED"]

UNUSED = re.compile(r"(^|\.)(fc0_cls|cond_cls)\.|^ln\.")

_RENAME = {"embbed.": "embed.", "embbed_cls.": "embed_cls.", "encoder.": "blocks.", "attn.out_proj.": "attn.out."}


def _rename(key: str) -> str:
    for old, new in _RENAME.items():
        key = key.replace(old, new)
    return key


def from_authors(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A ``Gen`` or ``Disc`` state dict of the authors -> an ``MDMAGenerator``/``MDMACritic`` one (no ``avg_n``)."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if UNUSED.search(key):
            continue
        key = _rename(key)
        stacked = re.match(r"(.*attn\.)in_proj_(weight_g|weight_v|weight|bias)$", key)
        if not stacked:
            out[key] = value
            continue
        prefix, kind = stacked.groups()
        target = {"weight_g": "parametrizations.weight.original0", "weight_v": "parametrizations.weight.original1",
                  "weight": "weight", "bias": "bias"}[kind]
        for name, part in zip("qkv", value.chunk(3, dim=0)):
            out[f"{prefix}{name}.{target}"] = part.clone()
    return out
