"""What conditions (and multiplicities) to draw when the user gives none: the model's own prior."""

from __future__ import annotations

import torch
from torch import nn

from hepzoo._random import rand, randint, randn
from hepzoo.conditions import check_length
from hepzoo.errors import ConfigError

__all__ = ["ConditionPrior", "EmpiricalPrior", "DISCRETE_DRAWS"]

DISCRETE_DRAWS = ("exact", "kde-round")
_MAX_BANDWIDTH = 1e3  # a factor on Scott's rule; far above any useful smoothing, far below float32 overflow


class ConditionPrior(nn.Module):
    """Abstract prior over per-event conditions; ``columns`` names what it draws."""

    columns: tuple[str, ...] = ()

    def sample(
        self, n: int, generator: torch.Generator, given: dict[str, float | torch.Tensor] | None = None
    ) -> dict[str, torch.Tensor]:
        """``n`` rows of conditions as ``{column: [n] float tensor}``; ``given`` fixes columns."""
        raise NotImplementedError


class EmpiricalPrior(ConditionPrior):
    """The training conditions, stored as tensors (never a pickle), with a Gaussian KDE on top.

    ``discrete="exact"`` (default): a draw is a training row, so categorical and integer columns
    take exactly their training values with their training frequencies, and only continuous
    columns get the KDE jitter ``N(0, h^2 Cov)`` (Scott's bandwidth over the continuous columns,
    as ``scipy.stats.gaussian_kde``). Fixed columns restrict the rows: discrete ones to the rows
    with exactly that value, continuous ones to the ``neighbours`` nearest rows (standardised
    distance, every row tied with the last one included), one of which is picked at random.

    ``discrete="kde-round"``: the KDE jitters every column and integer columns are rounded and
    clamped to the training range, the multiplicity prior of EPiC-GAN (Buhmann et al.,
    arXiv:2301.08128); fixed columns pick one of the ``neighbours`` nearest rows.

    ``bandwidth`` scales Scott's rule in the next ``fit``; the fitted jitter is the ``chol`` buffer,
    so a loaded prior draws as it was fitted, whatever ``bandwidth`` it was built with. Scott's
    rule assumes one Gaussian bump: on conditions with narrow peaks (a resonance's mass among all
    jet types) it smears them, and ``bandwidth=0`` (draws are training rows) reproduces the joint
    distribution far better (docs/pc-droid.md).
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
        categorical: tuple[str, ...] = (),
        discrete: str = "exact",
        bandwidth: float = 1.0,
    ) -> None:
        super().__init__()
        if discrete not in DISCRETE_DRAWS:
            raise ConfigError(f"discrete draws must be one of {DISCRETE_DRAWS}, got {discrete!r}")
        if isinstance(bandwidth, bool) or not isinstance(bandwidth, (int, float)) or not 0 <= bandwidth <= _MAX_BANDWIDTH:
            raise ConfigError(
                f"the prior's bandwidth must be a number in [0, {_MAX_BANDWIDTH:g}] (a factor on Scott's rule), got {bandwidth!r}"
            )
        if discrete == "kde-round" and categorical:
            raise ConfigError("kde-round would jitter categories; use discrete='exact' with categorical columns")
        self.columns = tuple(columns)
        self.integer = tuple(integer)
        self.categorical = tuple(categorical)
        self.discrete = discrete
        self.neighbours = neighbours
        self.bandwidth = float(bandwidth)
        d = len(self.columns)
        self.register_buffer("data", torch.zeros(max_rows if data is None else min(len(data), max_rows), d))
        self.register_buffer("chol", torch.zeros(d, d))
        self.register_buffer("low", torch.zeros(d))
        self.register_buffer("high", torch.zeros(d))
        if data is not None:
            self.fit(data, max_rows=max_rows)

    def _is_discrete(self, column: str) -> bool:
        return column in self.integer or column in self.categorical

    def _jittered(self) -> list[int]:
        """Indices of the columns the KDE jitters."""
        if self.discrete == "kde-round":
            return list(range(len(self.columns)))
        return [i for i, c in enumerate(self.columns) if not self._is_discrete(c)]

    @torch.no_grad()
    def fit(self, data: torch.Tensor, max_rows: int = 50_000, seed: int = 0) -> EmpiricalPrior:
        data = torch.as_tensor(data, dtype=torch.float64)
        if data.ndim != 2 or data.shape[1] != len(self.columns):
            raise ConfigError(f"prior data must be [N, {len(self.columns)}], got {tuple(data.shape)}")
        if len(data) > max_rows:
            idx = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:max_rows]
            data = data[idx]
        n, d = data.shape
        jit = self._jittered()
        chol = torch.zeros(d, d, dtype=torch.float64)
        if jit and self.bandwidth > 0:
            sub = data[:, jit]
            factor = self.bandwidth * n ** (-1.0 / (len(jit) + 4))  # Scott's rule, as scipy.stats.gaussian_kde
            cov = torch.atleast_2d(torch.cov(sub.T)) * factor**2
            cov = cov + 1e-12 * torch.eye(len(jit), dtype=cov.dtype)
            chol[torch.tensor(jit)[:, None], torch.tensor(jit)[None, :]] = torch.linalg.cholesky(cov)
        self.data = data.float()
        self.chol = chol.float()
        self.low = data.min(0).values.float()
        self.high = data.max(0).values.float()
        return self

    def _targets(self, given: dict, n: int) -> dict[str, torch.Tensor]:
        out = {}
        for col, value in given.items():
            t = torch.as_tensor(value, dtype=torch.float32).reshape(-1)
            check_length(col, len(t), n)
            out[col] = t.expand(n).clone()
        return out

    @torch.no_grad()
    def sample(self, n, generator, given=None):
        given = dict(given or {})
        unknown = set(given) - set(self.columns)
        if unknown:
            raise ConfigError(
                f"unknown conditions {sorted(unknown)}; this model is conditioned on {list(self.columns)}"
            )
        data, chol = self.data.cpu(), self.chol.cpu()
        targets = self._targets(given, n)
        if self.discrete == "kde-round":
            rows = self._nearest_rows(data, n, generator, targets)
        else:
            rows = self._exact_rows(data, n, generator, targets)
        draw = data[rows] + randn((n, len(self.columns)), generator) @ chol.T
        out = {}
        for i, col in enumerate(self.columns):
            if col in targets:
                out[col] = targets[col]
            elif self.discrete == "exact" and self._is_discrete(col):
                out[col] = data[rows, i].clone()
            elif col in self.integer:
                out[col] = draw[:, i].round().clamp(self.low[i].item(), self.high[i].item())
            else:
                out[col] = draw[:, i]
        return out

    def _nearest_rows(self, data, n, generator, targets) -> torch.Tensor:
        """kde-round: one of the ``neighbours`` nearest rows to the fixed values (any row if none)."""
        n_rows = len(data)
        fixed = [i for i, c in enumerate(self.columns) if c in targets]
        if not fixed:
            return torch.randint(0, n_rows, (n,), generator=generator)
        target = torch.stack([targets[self.columns[i]] for i in fixed], 1)
        scale = (self.high.cpu() - self.low.cpu())[fixed].clamp_min(1e-12)
        table = data[:, fixed] / scale
        k = min(self.neighbours, n_rows)
        pick = torch.randint(0, k, (n,), generator=generator)
        rows = torch.empty(n, dtype=torch.long)
        for lo in range(0, n, self.chunk):  # [chunk, rows] distances, never [n, rows]
            hi = min(lo + self.chunk, n)
            nearest = torch.cdist(target[lo:hi] / scale, table).topk(k, largest=False).indices
            rows[lo:hi] = nearest[torch.arange(hi - lo), pick[lo:hi]]
        return rows

    def _exact_rows(self, data, n, generator, targets) -> torch.Tensor:
        """exact: rows with the fixed discrete values, nearest on the fixed continuous ones, ties at random."""
        if not targets:
            return randint(len(data), (n,), generator).cpu()
        u = rand((n,), generator, dtype=torch.float64).cpu()  # one uniform per event: chunk-independent
        disc = [i for i, c in enumerate(self.columns) if c in targets and self._is_discrete(c)]
        cont = [i for i, c in enumerate(self.columns) if c in targets and not self._is_discrete(c)]
        target = torch.stack([targets[c] for c in self.columns if c in targets], 1)
        order = [i for i, c in enumerate(self.columns) if c in targets]
        t_disc = target[:, [order.index(i) for i in disc]]
        t_cont = target[:, [order.index(i) for i in cont]]
        if disc:
            keys, inverse = torch.unique(t_disc, dim=0, return_inverse=True)
        else:
            keys, inverse = t_disc[:1], torch.zeros(n, dtype=torch.long)
        rows = torch.empty(n, dtype=torch.long)
        scale = (self.high.cpu() - self.low.cpu())[cont].clamp_min(1e-12)
        for g, key in enumerate(keys):
            events = torch.nonzero(inverse == g).reshape(-1)
            candidates = self._matching_rows(data, disc, key)
            if not cont:
                pos = (u[events] * len(candidates)).long().clamp_max(len(candidates) - 1)
                rows[events] = candidates[pos]
                continue
            table = data[candidates][:, cont] / scale
            k = min(self.neighbours, len(candidates))
            for lo in range(0, len(events), self.chunk):  # [chunk, rows] distances, never [n, rows]
                ev = events[lo : lo + self.chunk]
                dist = torch.cdist(t_cont[ev] / scale, table)
                kth = dist.kthvalue(k, dim=1).values
                within = dist <= kth[:, None]
                count = within.sum(1)
                r = (u[ev] * count).long().clamp_max(count - 1)
                pos = (within & (within.cumsum(1) == (r + 1)[:, None])).float().argmax(1)
                rows[ev] = candidates[pos]
        return rows

    def _matching_rows(self, data, disc: list[int], key: torch.Tensor) -> torch.Tensor:
        """Training rows whose discrete columns equal ``key`` (integers: the nearest value if none do)."""
        if not disc:
            return torch.arange(len(data))
        values = data[:, disc]
        match = (values == key).all(1)
        if match.any():
            return torch.nonzero(match).reshape(-1)
        names = [self.columns[i] for i in disc]
        if any(name in self.categorical for name in names):
            asked = ", ".join(f"{c}={v:g}" for c, v in zip(names, key.tolist()))
            raise ConfigError(f"the prior has no training events with {asked}; fix only values the model was trained on")
        dist = (values - key).abs().sum(1)
        return torch.nonzero(dist == dist.min()).reshape(-1)
