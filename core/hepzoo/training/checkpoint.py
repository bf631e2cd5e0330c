"""Training checkpoints: safetensors tensors + a JSON record that commits them (no pickle).

``checkpoint.json`` (written atomically by :func:`hepzoo.config.write_json`) names the tensor file
it belongs to, ``checkpoint-<step>-<random>.safetensors``. Tensors go to a new file first and the record is
replaced last, so a run killed at any moment leaves the previous complete checkpoint in force.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import torch

from hepzoo.atomic import atomic_path, remove_stale_temps
from hepzoo.config import read_json, write_json
from hepzoo.errors import ConfigError
from hepzoo.hub.integrity import sha256_file

__all__ = [
    "RECORD",
    "flatten_optimizer",
    "unflatten_optimizer",
    "prefixed",
    "sub_state",
    "save_checkpoint",
    "load_checkpoint",
]

RECORD = "checkpoint.json"


def flatten_optimizer(opt: torch.optim.Optimizer, prefix: str) -> tuple[dict[str, torch.Tensor], list]:
    """An optimiser's state as ``{prefix.<param>.<name>: tensor}`` plus its JSON-able param groups."""
    sd = opt.state_dict()
    tensors = {
        f"{prefix}.{idx}.{name}": torch.as_tensor(value).detach().cpu().contiguous().clone()
        for idx, state in sd["state"].items()
        for name, value in state.items()
    }
    return tensors, sd["param_groups"]


def unflatten_optimizer(opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], param_groups: list,
                        prefix: str) -> None:
    """Load what :func:`flatten_optimizer` wrote into ``opt``."""
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in sub_state(tensors, prefix).items():
        idx, name = key.split(".", 1)
        state.setdefault(int(idx), {})[name] = value
    opt.load_state_dict({"state": state, "param_groups": param_groups})


def prefixed(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``{prefix.key: detached CPU copy}``."""
    return {f"{prefix}.{k}": v.detach().cpu().contiguous().clone() for k, v in tensors.items()}


def sub_state(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """Entries under ``prefix.`` with the prefix removed."""
    head = prefix + "."
    return {k[len(head):]: v for k, v in tensors.items() if k.startswith(head)}


def save_checkpoint(out_dir: str | Path, tensors: dict[str, torch.Tensor], record: dict[str, Any]) -> Path:
    """Write a new ``checkpoint-<step>-*.safetensors`` (step from ``record["state"]``), commit it in the JSON; drop older ones.

    Also drops the temporaries of checkpoints a killed run was writing (their writer is gone).
    """
    from safetensors.torch import save_file

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # a fresh name every time: the committed file is never written over
    name = f"checkpoint-{int(record['state']['step']):09d}-{secrets.token_hex(4)}.safetensors"
    path = out / name
    with atomic_path(path) as tmp:  # fsync'ed and renamed: the record below never names a half-written file
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(tmp), metadata={"format": "pt"})
    write_json(out / RECORD, {**record, "tensors": name, "sha256": sha256_file(path)})
    for old in out.glob("checkpoint-*.safetensors"):
        if old.name != name:
            old.unlink(missing_ok=True)
    remove_stale_temps(out / name, "checkpoint-*.safetensors")  # a killed run's half-written checkpoint
    return path


def load_checkpoint(out_dir: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]] | None:
    """``(tensors, record)`` of the committed checkpoint in ``out_dir``, or None if there is none."""
    from safetensors.torch import load_file

    out = Path(out_dir)
    if not (out / RECORD).exists():
        return None
    record = read_json(out / RECORD)
    path = out / record["tensors"]
    if not path.exists() or sha256_file(path) != record["sha256"]:
        raise ConfigError(
            f"{path} is missing or does not match {out / RECORD}; the run folder was altered by hand: "
            f"use a new --out, or delete {out / RECORD} to start over"
        )
    return load_file(str(path)), record
