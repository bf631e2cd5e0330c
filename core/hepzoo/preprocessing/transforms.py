"""Invertible preprocessing fitted on training data; fitted state lives in buffers (the state dict).

Every transform maps physical features ``x [..., F]`` to network space (``forward``) and back
(``inverse``). With a ``mask [...]`` (True = real particle) fitting sees real entries only and
padding comes out exactly zero, so zero-padded point clouds stay zero-padded. The domain of a
transform (e.g. Logit's [0, 1]) is checked when fitting, and by ``forward(x, mask, check=True)``;
a plain ``forward`` never waits for the device, so it can run inside a training step.
"""

from __future__ import annotations

import torch
from torch import nn

from hepzoo.errors import InvalidDataError
from hepzoo.masking import apply_mask, real_entries
from hepzoo.preprocessing.config import (
    ChainConfig,
    LogConfig,
    LogitConfig,
    PerFeatureConfig,
    StandardizeConfig,
    TransformConfig,
)

__all__ = ["Transform", "Standardize", "Logit", "Log", "PerFeature", "Chain", "build_transform"]


class Transform(nn.Module):
    """Base: checks shapes, selects real entries for fitting, keeps padding at zero."""

    n_features: int

    @property
    def config(self) -> TransformConfig:
        """The attrs config that rebuilds this transform (its fitted state is in the state dict)."""
        raise NotImplementedError

    def _check(self, x: torch.Tensor, mask: torch.Tensor | None, what: str) -> torch.Tensor:
        x = torch.as_tensor(x)
        if x.ndim < 1 or x.shape[-1] != self.n_features:
            raise InvalidDataError(
                f"{type(self).__name__} expects {self.n_features} features on the last axis, got shape "
                f"{tuple(x.shape)} ({what}); pass the columns the transform was configured for"
            )
        if mask is not None and tuple(mask.shape) != tuple(x.shape[:-1]):
            raise InvalidDataError(
                f"mask of shape {tuple(mask.shape)} does not fit data of shape {tuple(x.shape)}; "
                "it must be the data's shape without the feature axis"
            )
        return x

    @torch.no_grad()
    def fit(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> Transform:
        """Fit on ``x [..., F]``; with ``mask`` only real entries count. Returns ``self``."""
        x = self._check(x, mask, "fit")
        rows = real_entries(x, mask)
        if len(rows) < 2:
            raise InvalidDataError(
                f"need at least 2 real entries to fit {type(self).__name__}, got {len(rows)}; fit on more data"
            )
        self._fit_rows(rows)
        return self

    def _fit_rows(self, rows: torch.Tensor) -> None:
        """Fit on real rows ``[M, F]`` (stateless transforms only check the domain)."""
        self._check_domain(rows)

    def _check_domain(self, rows: torch.Tensor) -> None:
        """Raise an InvalidDataError if a real entry lies outside the forward map's domain."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None, check: bool = False) -> torch.Tensor:
        """Physical -> network space (padding -> 0 with a mask); ``check`` first checks the domain (syncs)."""
        x = self._check(x, mask, "forward")
        if check:
            self._check_domain(real_entries(x, mask))
        return apply_mask(self._forward(x), mask)

    def inverse(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Network space -> physical (padding -> 0 with a mask)."""
        x = self._check(x, mask, "inverse")
        return apply_mask(self._inverse(x), mask)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _inverse(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class Standardize(Transform):
    """Per-feature ``(x - mean) / (std / scale)`` fitted on real entries only (padding excluded).

    ``scale`` sets the target width (EPiC-GAN uses 5, arXiv:2301.08128; most models 1). Buffers
    ``mean`` and ``std`` are saved with the weights, so a loaded model preprocesses exactly as it
    trained.
    """

    def __init__(self, n_features: int, scale: float = 1.0) -> None:
        super().__init__()
        self.n_features = int(n_features)
        self.scale = float(scale)
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))

    @property
    def config(self) -> StandardizeConfig:
        return StandardizeConfig(n_features=self.n_features, scale=self.scale)

    def _fit_rows(self, rows: torch.Tensor) -> None:
        rows = rows.double()
        self.mean.copy_(rows.mean(0).float())
        self.std.copy_(rows.std(0).clamp_min(1e-12).float())

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None, check: bool = False) -> torch.Tensor:
        """Physical -> network space (padding -> 0 with a mask); any real value is in the domain."""
        if mask is None and x.shape[-1:] == self.mean.shape:  # the hot path: no extra copies
            return self._forward(x)
        return super().forward(x, mask)

    def inverse(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Network space -> physical (padding -> 0 with a mask)."""
        if mask is None and x.shape[-1:] == self.mean.shape:
            return self._inverse(x)
        return super().inverse(x, mask)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / (self.std / self.scale)

    def _inverse(self, x: torch.Tensor) -> torch.Tensor:
        return x * (self.std / self.scale) + self.mean


class Logit(Transform):
    """``logit(alpha + (1 - 2 alpha) x)`` for x in [0, 1], e.g. voxel energy fractions.

    CaloDiffusion (Amram, Pedro, arXiv:2308.03876) preprocesses showers this way; ``alpha`` keeps
    0 and 1 finite.
    """

    def __init__(self, n_features: int, alpha: float = 1e-6) -> None:
        super().__init__()
        self.n_features = int(n_features)
        self.alpha = LogitConfig(n_features, alpha).alpha

    @property
    def config(self) -> LogitConfig:
        return LogitConfig(n_features=self.n_features, alpha=self.alpha)

    def _check_domain(self, rows: torch.Tensor) -> None:
        bad = ~((rows >= 0) & (rows <= 1))
        if bool(bad.any()):
            raise InvalidDataError(
                f"Logit takes values in [0, 1]; {int(bad.sum())} real entries lie outside (e.g. "
                f"{rows[bad][0].item():.4g}); normalise them first (e.g. divide by the incident energy)"
            )

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.logit(self.alpha + (1 - 2 * self.alpha) * x)

    def _inverse(self, x: torch.Tensor) -> torch.Tensor:
        return (torch.sigmoid(x) - self.alpha) / (1 - 2 * self.alpha)


class Log(Transform):
    """``log(x)``, or ``log(1 + x)`` with ``plus_one`` (PC-JeDi squashes constituent pT this way)."""

    def __init__(self, n_features: int, plus_one: bool = False) -> None:
        super().__init__()
        self.n_features = int(n_features)
        self.plus_one = LogConfig(n_features, plus_one).plus_one

    @property
    def config(self) -> LogConfig:
        return LogConfig(n_features=self.n_features, plus_one=self.plus_one)

    def _check_domain(self, rows: torch.Tensor) -> None:
        bad = ~(rows > -1) if self.plus_one else ~(rows > 0)
        if bool(bad.any()):
            need = "greater than -1" if self.plus_one else "positive"
            raise InvalidDataError(
                f"{'log(1 + x)' if self.plus_one else 'log(x)'} needs {need} values; {int(bad.sum())} real "
                f"entries are not (e.g. {rows[bad][0].item():.4g}); mask the padding or shift the feature"
            )

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log1p(x) if self.plus_one else torch.log(x)

    def _inverse(self, x: torch.Tensor) -> torch.Tensor:
        return torch.expm1(x) if self.plus_one else torch.exp(x)


class PerFeature(Transform):
    """Apply ``transform`` to the feature ``columns`` only; the other columns pass through unchanged."""

    def __init__(self, n_features: int, columns: tuple[int, ...], transform: Transform) -> None:
        super().__init__()
        cfg = PerFeatureConfig(n_features=int(n_features), columns=tuple(columns), transform=transform.config)
        self.n_features, self.columns = cfg.n_features, cfg.columns
        self.transform = transform

    @property
    def config(self) -> PerFeatureConfig:
        return PerFeatureConfig(n_features=self.n_features, columns=self.columns, transform=self.transform.config)

    @torch.no_grad()
    def fit(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> PerFeature:
        x = self._check(x, mask, "fit")
        self.transform.fit(x[..., list(self.columns)], mask)
        return self

    def _map(self, x: torch.Tensor, mask: torch.Tensor | None, fn) -> torch.Tensor:
        cols = list(self.columns)
        out = x.clone()
        out[..., cols] = fn(x[..., cols], mask).to(out.dtype)
        return apply_mask(out, mask)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None, check: bool = False) -> torch.Tensor:
        """Physical -> network space on the chosen columns (padding -> 0 with a mask)."""
        return self._map(self._check(x, mask, "forward"), mask,
                         lambda v, m: self.transform.forward(v, m, check=check))

    def inverse(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Network space -> physical on the chosen columns (padding -> 0 with a mask)."""
        return self._map(self._check(x, mask, "inverse"), mask, self.transform.inverse)


class Chain(Transform):
    """Transforms applied in order; each is fitted on the output of the ones before it."""

    def __init__(self, steps: list[Transform] | tuple[Transform, ...]) -> None:
        super().__init__()
        ChainConfig(steps=tuple(s.config for s in steps))  # validates widths
        self.steps = nn.ModuleList(steps)
        self.n_features = steps[0].n_features

    @property
    def config(self) -> ChainConfig:
        return ChainConfig(steps=tuple(s.config for s in self.steps))

    @torch.no_grad()
    def fit(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> Chain:
        x = self._check(x, mask, "fit")
        for step in self.steps:
            x = step.fit(x, mask)(x, mask)
        return self

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None, check: bool = False) -> torch.Tensor:
        """Physical -> network space through every step in order."""
        x = self._check(x, mask, "forward")
        for step in self.steps:
            x = step(x, mask, check=check)
        return x

    def inverse(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Network space -> physical through every step in reverse order."""
        x = self._check(x, mask, "inverse")
        for step in reversed(self.steps):
            x = step.inverse(x, mask)
        return x


def build_transform(config: TransformConfig) -> Transform:
    """The (unfitted) transform a config describes."""
    if isinstance(config, StandardizeConfig):
        return Standardize(config.n_features, config.scale)
    if isinstance(config, LogitConfig):
        return Logit(config.n_features, config.alpha)
    if isinstance(config, LogConfig):
        return Log(config.n_features, config.plus_one)
    if isinstance(config, PerFeatureConfig):
        return PerFeature(config.n_features, config.columns, build_transform(config.transform))
    if isinstance(config, ChainConfig):
        return Chain([build_transform(s) for s in config.steps])
    raise TypeError(f"no transform is built from {type(config).__name__}")
