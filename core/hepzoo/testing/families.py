"""Small families for tests: an unconditional tabular EDM and a toy conditional flow (jet type + pT).

Neither is registered by a plugin; test suites register them (``register_test_families``).
"""

from __future__ import annotations

import attrs
import numpy as np
import torch
from torch import nn

from hepzoo.conditions import JET_TYPE, Condition
from hepzoo.model import Model
from hepzoo.objectives.edm import EDMDenoiser
from hepzoo.objectives.flow_matching import FlowMatching
from hepzoo.prior import EmpiricalPrior
from hepzoo.representations.tabular import Tabular

__all__ = [
    "TabularConfig",
    "TabularEDM",
    "MLPBackbone",
    "ToyConditionalConfig",
    "ToyConditionalFlow",
    "toy_conditional_data",
    "register_test_families",
]


@attrs.define
class TabularConfig:
    columns: tuple[str, ...] = ("a", "b")
    hidden: int = 32
    prior_rows: int = 64


class MLPBackbone(nn.Module):
    """F(x, t[, cond]): an MLP on [x, t, cond]."""

    def __init__(self, dim: int, hidden: int, cond_dim: int = 0) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim + 1 + cond_dim, hidden), nn.SiLU(), nn.Linear(hidden, dim))

    def forward(self, x, t, cond=None, mask=None):
        parts = [x, t[:, None].expand(len(x), 1)] + ([] if cond is None else [cond])
        return self.net(torch.cat(parts, dim=1))


class TabularEDM(Model):
    """An unconditional tabular EDM: no conditions, no prior."""

    family = "test-tabular-edm"
    config_cls = TabularConfig
    default_sampler = "heun"
    default_steps = 8

    def __init__(self, config: TabularConfig) -> None:
        super().__init__(config)
        d = len(config.columns)
        self.representation = Tabular(columns=tuple(config.columns))
        self.objective = EDMDenoiser(MLPBackbone(d, config.hidden))
        self.register_buffer("mean", torch.zeros(d))
        self.register_buffer("std", torch.ones(d))

    def fit(self, x: np.ndarray) -> TabularEDM:
        t = torch.as_tensor(x, dtype=torch.float32)
        self.mean, self.std = t.mean(0), t.std(0)
        return self

    def event_shape(self, cond):
        return (len(self.config.columns),)

    def postprocess(self, x, mask, cond):
        return (x * self.std + self.mean).cpu().numpy(), None


# -- a toy conditional family -------------------------------------------------------------------
TOY_TYPE_FREQUENCIES = (0.3, 0.2, 0.3, 0.1, 0.1)  # gluon, quark, top, w, z
TOY_MASS = (40.0, 30.0, 175.0, 80.0, 91.0)  # GeV, the toy's mass per jet type
TOY_PT = Condition("pt", "GeV", low=100.0, high=3000.0, description="jet transverse momentum")


def toy_conditional_data(n: int, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``(x [n, 2] = (mass, width), cond {type, pt})``: a mass peak per type, width ~ mass / pT."""
    rng = np.random.default_rng(seed)
    types = rng.choice(len(TOY_TYPE_FREQUENCIES), size=n, p=TOY_TYPE_FREQUENCIES)
    pt = rng.uniform(400.0, 1600.0, n)
    mass = np.asarray(TOY_MASS)[types] + 5.0 * rng.standard_normal(n)
    width = mass / pt + 0.01 * rng.standard_normal(n)
    return np.stack([mass, width], 1).astype(np.float32), {"type": types, "pt": pt.astype(np.float32)}


@attrs.define
class ToyConditionalConfig:
    columns: tuple[str, ...] = ("mass", "width")
    hidden: int = 32
    prior_rows: int = 512


class ToyConditionalFlow(Model):
    """A tiny conditional flow-matching model on a table, conditioned on jet ``type`` and ``pt``.

    It exercises what families rely on: declared categorical + continuous conditions, an exact
    prior, a preprocessed condition vector (one-hot type, scaled pT), the core sampling path.
    """

    family = "test-toy-conditional"
    config_cls = ToyConditionalConfig
    default_sampler = "euler"
    default_steps = 6
    conditions = (JET_TYPE, TOY_PT)

    def __init__(self, config: ToyConditionalConfig) -> None:
        super().__init__(config)
        d = len(config.columns)
        self.representation = Tabular(columns=tuple(config.columns))
        self.objective = FlowMatching(MLPBackbone(d, config.hidden, cond_dim=len(JET_TYPE.labels) + 1))
        self.prior = EmpiricalPrior(("type", "pt"), categorical=("type",), max_rows=config.prior_rows)
        self.register_buffer("mean", torch.zeros(d))
        self.register_buffer("std", torch.ones(d))

    def fit(self, x: np.ndarray, cond: dict[str, np.ndarray]) -> ToyConditionalFlow:
        t = torch.as_tensor(x, dtype=torch.float32)
        self.mean, self.std = t.mean(0), t.std(0)
        table = np.stack([cond["type"], cond["pt"]], 1)
        self.prior.fit(torch.as_tensor(table, dtype=torch.float64), max_rows=self.config.prior_rows)
        return self

    def event_shape(self, cond):
        return (len(self.config.columns),)

    def condition_vector(self, cond, device):
        one_hot = nn.functional.one_hot(cond["type"].round().long(), len(JET_TYPE.labels)).float()
        pt = (cond["pt"].float()[:, None] - 1000.0) / 500.0
        return torch.cat([one_hot, pt], 1).to(device)

    def postprocess(self, x, mask, cond):
        return (x * self.std + self.mean).cpu().numpy(), None


TEST_FAMILIES = {
    "test-tabular-edm": "hepzoo.testing.families:TabularEDM",
    "test-toy-conditional": "hepzoo.testing.families:ToyConditionalFlow",
}


def register_test_families(registry) -> None:
    """Add the test families to ``registry`` (once)."""
    for name, target in TEST_FAMILIES.items():
        if name not in registry.names("family"):
            registry.current_distribution = "hepzoo-tests"
            registry.add_family(name, target, "core test family")
            registry.current_distribution = "?"
