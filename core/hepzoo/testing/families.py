"""A small tabular EDM family for the core's own tests (registered only by the test suite)."""

from __future__ import annotations

import attrs
import numpy as np
import torch
from torch import nn

from hepzoo.model import Model
from hepzoo.objectives.edm import EDMDenoiser
from hepzoo.prior import EmpiricalPrior
from hepzoo.representations.tabular import Tabular

__all__ = ["TabularConfig", "TabularEDM", "MLPBackbone"]


@attrs.define
class TabularConfig:
    columns: tuple[str, ...] = ("a", "b")
    hidden: int = 32
    prior_rows: int = 64


class MLPBackbone(nn.Module):
    """F(x, c_noise): an MLP on [x, c_noise]."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim + 1, hidden), nn.SiLU(), nn.Linear(hidden, dim))

    def forward(self, x, t, cond=None, mask=None):
        return self.net(torch.cat([x, t[:, None].expand(len(x), 1)], dim=1))


class TabularEDM(Model):
    family = "test-tabular-edm"
    config_cls = TabularConfig
    default_sampler = "heun"
    default_steps = 8

    def __init__(self, config: TabularConfig) -> None:
        super().__init__(config)
        d = len(config.columns)
        self.representation = Tabular(columns=tuple(config.columns))
        self.objective = EDMDenoiser(MLPBackbone(d, config.hidden))
        self.prior = EmpiricalPrior(("dummy",), max_rows=config.prior_rows)
        self.register_buffer("mean", torch.zeros(d))
        self.register_buffer("std", torch.ones(d))

    def fit(self, x: np.ndarray) -> TabularEDM:
        t = torch.as_tensor(x, dtype=torch.float32)
        self.mean, self.std = t.mean(0), t.std(0)
        self.prior.fit(torch.zeros(len(x), 1), max_rows=self.config.prior_rows)
        return self

    def event_shape(self, cond):
        return (len(self.config.columns),)

    def postprocess(self, x, mask, cond):
        return (x * self.std + self.mean).cpu().numpy(), None
