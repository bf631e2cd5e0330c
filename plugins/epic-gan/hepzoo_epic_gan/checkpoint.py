"""Training checkpoints as safetensors + JSON (no pickle): nets, optimiser states, RNG, progress."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from hepzoo.errors import ConfigError

__all__ = ["flatten_optimizer", "unflatten_optimizer", "save_checkpoint", "load_checkpoint"]


def flatten_optimizer(opt: torch.optim.Optimizer, prefix: str) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """An optimiser's state as ``{prefix.state.<param>.<name>: tensor}`` plus JSON-able param groups."""
    sd = opt.state_dict()
    tensors = {}
    for idx, state in sd["state"].items():
        for name, value in state.items():
            tensors[f"{prefix}.state.{idx}.{name}"] = torch.as_tensor(value).detach().cpu().contiguous().clone()
    return tensors, {"param_groups": sd["param_groups"]}


def unflatten_optimizer(opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict, prefix: str) -> None:
    """Load what :func:`flatten_optimizer` wrote into ``opt``."""
    state: dict[int, dict[str, torch.Tensor]] = {}
    head = f"{prefix}.state."
    for key, value in tensors.items():
        if key.startswith(head):
            idx, name = key[len(head) :].split(".", 1)
            state.setdefault(int(idx), {})[name] = value
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def save_checkpoint(path: Path, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    """Write ``path`` (.safetensors) and ``path.json`` atomically (tensors first, JSON last)."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(tmp))
    os.replace(tmp, path)
    meta_path = path.with_suffix(".json")
    tmp_meta = meta_path.with_name(meta_path.name + ".partial")
    tmp_meta.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    os.replace(tmp_meta, meta_path)


def load_checkpoint(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint`."""
    from safetensors.torch import load_file

    path = Path(path)
    meta_path = path.with_suffix(".json")
    if not path.exists() or not meta_path.exists():
        raise ConfigError(f"no complete checkpoint at {path} (+ {meta_path.name}); start without --resume")
    return load_file(str(path)), json.loads(meta_path.read_text())


def sub_state(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """Entries under ``prefix.`` with the prefix removed."""
    head = prefix + "."
    return {k[len(head) :]: v for k, v in tensors.items() if k.startswith(head)}
