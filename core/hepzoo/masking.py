"""Particle masks, in one place: build them from multiplicities, broadcast them, zero the padding.

A mask is boolean ``[..., P]`` (True = a real particle); padding sits wherever it is False. Every
function takes numpy arrays or torch tensors and returns the same kind.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["mask_from_counts", "broadcast_mask", "apply_mask", "real_entries", "multiplicity_groups"]


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def mask_from_counts(counts: Any, max_particles: int) -> Any:
    """Boolean ``[B, max_particles]`` mask whose first ``counts[b]`` entries are real (JetNet's layout)."""
    if _is_torch(counts):
        import torch

        n = counts.round().long() if counts.is_floating_point() else counts.long()
        return torch.arange(max_particles, device=counts.device)[None, :] < n[:, None]
    counts = np.asarray(counts)
    n = np.rint(counts).astype(np.int64) if np.issubdtype(counts.dtype, np.floating) else counts.astype(np.int64)
    return np.arange(max_particles)[None, :] < n[:, None]


def broadcast_mask(mask: Any, x: Any) -> Any:
    """``mask [B, P]`` reshaped to ``x``'s rank (``[B, P, 1, ...]``), as ``x``'s dtype (None stays None)."""
    if mask is None:
        return None
    shape = tuple(mask.shape) + (1,) * (x.ndim - mask.ndim)
    if _is_torch(x):
        return mask.reshape(shape).to(x.dtype)
    return np.asarray(mask).reshape(shape).astype(x.dtype)


def apply_mask(x: Any, mask: Any) -> Any:
    """``x`` with every entry of a padded particle exactly 0 (also where ``x`` is inf or NaN there)."""
    if mask is None:
        return x
    shape = tuple(mask.shape) + (1,) * (x.ndim - mask.ndim)
    if _is_torch(x):
        import torch

        keep = mask.reshape(shape).to(device=x.device, dtype=torch.bool)
        return torch.where(keep, x, torch.zeros((), dtype=x.dtype, device=x.device))
    keep = np.asarray(mask, dtype=bool).reshape(shape)
    return np.where(keep, x, np.zeros((), dtype=np.asarray(x).dtype))


def real_entries(x: Any, mask: Any) -> Any:
    """The rows of real particles, ``[M, F]``, from ``x [..., F]`` (all rows without a mask)."""
    if mask is None:
        return x.reshape(-1, x.shape[-1])
    if _is_torch(x):
        import torch

        return x[torch.as_tensor(mask, dtype=torch.bool, device=x.device)]
    return np.asarray(x)[np.asarray(mask, dtype=bool)]


def multiplicity_groups(counts: Any) -> list[tuple[int, np.ndarray]]:
    """``[(n, indices)]`` for each distinct count, in increasing ``n`` (indices in input order)."""
    if _is_torch(counts):
        counts = counts.cpu().numpy()
    counts = np.asarray(counts).astype(np.int64)
    order = np.argsort(counts, kind="stable")
    values, starts = np.unique(counts[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    return [(int(v), order[s:e]) for v, s, e in zip(values, starts, ends)]
