"""Small families for tests: an unconditional tabular EDM and a toy conditional flow (jet type + pT).

Neither is registered by a plugin; test suites register them (``register_test_families``). The
toy is a complete family: declared conditions, an exact prior, ``hepzoo.preprocessing`` in its
state dict and a training ``Recipe`` (``hepzoo train test-toy-conditional --data toy --out DIR``).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import torch
from torch import nn

from hepzoo.conditions import JET_TYPE, Condition
from hepzoo.errors import InvalidDataError
from hepzoo.model import Model
from hepzoo.objectives.edm import EDMDenoiser
from hepzoo.objectives.flow_matching import FlowMatching
from hepzoo.preprocessing import StandardizeConfig, TransformConfig
from hepzoo.prior import EmpiricalPrior
from hepzoo.representations.tabular import Tabular
from hepzoo.samples import Samples
from hepzoo.training.recipe import Metric, Recipe
from hepzoo.training.steps import LossStep

__all__ = [
    "TabularConfig",
    "TabularEDM",
    "MLPBackbone",
    "ToyConditionalConfig",
    "ToyConditionalFlow",
    "toy_conditional_data",
    "toy_conditional_samples",
    "ToyConditionalRecipe",
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
TOY_TYPE_FREQUENCIES = (0.3, 0.3, 0.2, 0.1, 0.1)  # gluon, top, quark, w, z (jetnet order)
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


def toy_conditional_samples(n: int, seed: int = 0) -> Samples:
    """:func:`toy_conditional_data` as ``Samples`` of the toy's table (what its recipe trains on)."""
    x, cond = toy_conditional_data(n, seed)
    return Samples(x=x, representation=Tabular(columns=("mass", "width")), cond=cond)


@attrs.define
class ToyConditionalConfig:
    columns: tuple[str, ...] = ("mass", "width")
    hidden: int = 32
    prior_rows: int = 512
    preprocessing: TransformConfig = StandardizeConfig(2)


class ToyConditionalFlow(Model):
    """A tiny conditional flow-matching model on a table, conditioned on jet ``type`` and ``pt``.

    It exercises what families rely on: declared categorical + continuous conditions, an exact
    prior, a preprocessed condition vector (one-hot type, scaled pT), fitted preprocessing from
    ``hepzoo.preprocessing`` (``preprocessing.*`` buffers in the state dict), the core sampling
    path and the training engine (:class:`ToyConditionalRecipe`).
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
        self.preprocessing = config.preprocessing.build()

    def fit(self, x: np.ndarray, cond: dict[str, np.ndarray]) -> ToyConditionalFlow:
        self.preprocessing.fit(torch.as_tensor(x, dtype=torch.float32))
        table = np.stack([cond["type"], cond["pt"]], 1)
        self.prior.fit(torch.as_tensor(table, dtype=torch.float64), max_rows=self.config.prior_rows)
        return self

    def event_shape(self, cond):
        return (len(self.config.columns),)

    def condition_vector(self, cond, device):
        one_hot = nn.functional.one_hot(torch.as_tensor(cond["type"]).round().long(), len(JET_TYPE.labels)).float()
        pt = (torch.as_tensor(cond["pt"]).float()[:, None] - 1000.0) / 500.0
        return torch.cat([one_hot, pt], 1).to(device)

    def postprocess(self, x, mask, cond):
        return self.preprocessing.to(x.device).inverse(x).cpu().numpy(), None


class ToyConditionalRecipe(Recipe):
    """The toy's training recipe: flow matching (:class:`~hepzoo.training.LossStep`) on shuffled rows.

    ``--data toy`` (or ``toy:SEED``) trains on :func:`toy_conditional_samples` (``--events`` rows,
    80/20 train/valid). Validation is the flow-matching loss on the validation rows, seeded.
    """

    family = "test-toy-conditional"
    defaults = {"lr": 1e-3, "batch_size": 32, "epochs": 2}
    metrics = (Metric("valid_loss"),)

    def __init__(self, events: int = 400) -> None:
        super().__init__(events=events)

    def add_arguments(self, parser) -> None:
        parser.add_argument("--events", type=int, default=400, help="toy rows to generate (80%% train)")

    def load_data(self, data: str) -> tuple[Samples, Samples]:
        name, _, seed = str(data).partition(":")
        if name != "toy" or not (seed == "" or seed.isdigit()):
            raise InvalidDataError(f"the toy family trains on generated rows: pass --data toy or toy:SEED, not {data!r}")
        n = int(self.args["events"])
        if n < 10:
            raise InvalidDataError(f"--events {n} is too few to split into train and valid; pass at least 10")
        rows = toy_conditional_samples(n, seed=int(seed or 0))
        cut = int(0.8 * n)
        return rows[:cut], rows[cut:]

    def build_model(self, train: Samples) -> ToyConditionalFlow:
        return ToyConditionalFlow(ToyConditionalConfig()).fit(train.x, train.cond)

    def _rows(self, model: ToyConditionalFlow, rows: Samples, device: torch.device) -> tuple:
        x = model.preprocessing(torch.as_tensor(rows.x, dtype=torch.float32).to(device))
        return x, model.condition_vector({k: torch.as_tensor(v) for k, v in rows.cond.items()}, device)

    def prepare(self, model: ToyConditionalFlow, train: Samples, device: torch.device) -> tuple:
        return self._rows(model, train, device)

    def epoch_batches(self, prepared: tuple, batch_size: int, generator: torch.Generator) -> Sequence[tuple]:
        x, c = prepared
        order = torch.randperm(len(x), generator=generator).to(x.device)
        return [(x[i], c[i], None) for i in order.split(batch_size)]

    def make_step(self, model: ToyConditionalFlow, networks: dict) -> LossStep:
        return LossStep(model.objective)

    def validate(self, model: ToyConditionalFlow, valid: Samples, device: torch.device, seed: int) -> dict[str, float]:
        x, c = self._rows(model, valid, device)
        generator = torch.Generator(device=device).manual_seed(seed)
        return {"valid_loss": float(model.objective.loss(x, c, None, generator=generator))}


TEST_FAMILIES = {  # name -> (model, recipe)
    "test-tabular-edm": ("hepzoo.testing.families:TabularEDM", ""),
    "test-toy-conditional": ("hepzoo.testing.families:ToyConditionalFlow",
                             "hepzoo.testing.families:ToyConditionalRecipe"),
}


def register_test_families(registry) -> None:
    """Add the test families missing from ``registry`` (as the distribution ``hepzoo-tests``)."""
    missing = {name: spec for name, spec in TEST_FAMILIES.items() if name not in registry.names("family")}
    if not missing:
        return
    with registry.transaction("hepzoo-tests"):
        for name, (target, recipe) in missing.items():
            registry.add_family(name, target, "core test family", recipe=recipe)
