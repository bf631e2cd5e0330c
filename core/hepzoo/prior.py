"""What conditions (and multiplicities) to draw when the user gives none: the model's own prior."""

from __future__ import annotations

import torch
from torch import nn

from hepzoo._random import randn
from hepzoo.errors import ConfigError

__all__ = ["ConditionPrior", "EmpiricalPrior"]


class ConditionPrior(nn.Module):
    """Abstract prior over per-event conditions; ``columns`` names what it draws."""

    columns: tuple[str, ...] = ()

    def sample(
        self, n: int, generator: torch.Generator, given: dict[str, float | torch.Tensor] | None = None
    ) -> dict[str, torch.Tensor]:
        """``n`` rows of conditions as ``{column: [n] float tensor}``; ``given`` fixes columns."""
        raise NotImplementedError


class EmpiricalPrior(ConditionPrior):
    """A Gaussian KDE over the training conditions, stored as tensors (never a pickle).

    Unconditional draws equal ``scipy.stats.gaussian_kde(data.T).resample`` (Scott's bandwidth):
    a training row plus ``N(0, h^2 Cov)``. When the user fixes some columns, the others are drawn
    from the ``k`` training rows nearest to the fixed values (standardised distance), a simple
    conditional density estimate. ``integer`` columns (multiplicities) are rounded and clamped to
    the training range.
    """

    _resizable_buffers = ("data",)
    chunk = 4096  # rows of conditional queries per distance matrix (bounds memory at large n)

    def __init__(
        self,
        columns: tuple[str, ...],
        data: torch.Tensor | None = None,
        integer: tuple[str, ...] = (),
        max_rows: int = 50_000,
        neighbours: int = 64,
    ) -> None:
        super().__init__()
        self.columns = tuple(columns)
        self.integer = tuple(integer)
        self.neighbours = neighbours
        d = len(self.columns)
        self.register_buffer("data", torch.zeros(max_rows if data is None else min(len(data), max_rows), d))
        self.register_buffer("chol", torch.zeros(d, d))
        self.register_buffer("low", torch.zeros(d))
        self.register_buffer("high", torch.zeros(d))
        if data is not None:
            self.fit(data, max_rows=max_rows)

    @torch.no_grad()
    def fit(self, data: torch.Tensor, max_rows: int = 50_000, seed: int = 0) -> EmpiricalPrior:
        data = torch.as_tensor(data, dtype=torch.float64)
        if data.ndim != 2 or data.shape[1] != len(self.columns):
            raise ConfigError(f"prior data must be [N, {len(self.columns)}], got {tuple(data.shape)}")
        if len(data) > max_rows:
            idx = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:max_rows]
            data = data[idx]
        n, d = data.shape
        factor = n ** (-1.0 / (d + 4))  # Scott's rule, as scipy.stats.gaussian_kde
        cov = torch.atleast_2d(torch.cov(data.T)) * factor**2
        cov = cov + 1e-12 * torch.eye(d, dtype=cov.dtype)
        self.data = data.float()
        self.chol = torch.linalg.cholesky(cov).float()
        self.low = data.min(0).values.float()
        self.high = data.max(0).values.float()
        return self

    @torch.no_grad()
    def sample(self, n, generator, given=None):
        given = dict(given or {})
        unknown = set(given) - set(self.columns)
        if unknown:
            raise ConfigError(
                f"unknown conditions {sorted(unknown)}; this model is conditioned on {list(self.columns)}"
            )
        n_rows = len(self.data)
        fixed = [i for i, c in enumerate(self.columns) if c in given]
        if fixed:
            target = torch.stack(
                [torch.as_tensor(given[self.columns[i]], dtype=torch.float32).expand(n) for i in fixed], 1
            )
            scale = (self.high - self.low)[fixed].clamp_min(1e-12)
            table = self.data[:, fixed] / scale
            k = min(self.neighbours, n_rows)
            pick = torch.randint(0, k, (n,), generator=generator)
            rows = torch.empty(n, dtype=torch.long)
            for lo in range(0, n, self.chunk):  # [chunk, rows] distances, never [n, rows]
                hi = min(lo + self.chunk, n)
                nearest = torch.cdist(target[lo:hi] / scale, table).topk(k, largest=False).indices
                rows[lo:hi] = nearest[torch.arange(hi - lo), pick[lo:hi]]
        else:
            rows = torch.randint(0, n_rows, (n,), generator=generator)
        draw = self.data[rows] + randn((n, len(self.columns)), generator) @ self.chol.T
        out = {}
        for i, col in enumerate(self.columns):
            value = draw[:, i]
            if col in given:
                value = torch.as_tensor(given[col], dtype=torch.float32).expand(n).clone()
            elif col in self.integer:
                value = value.round().clamp(self.low[i], self.high[i])
            out[col] = value
        return out
