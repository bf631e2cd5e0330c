"""What a family gives the engine: networks, data in batches, a step and validation metrics."""

from __future__ import annotations

import abc
import argparse
from collections.abc import Sequence
from typing import Any, ClassVar

import attrs
import torch
from torch import nn

from hepzoo.model import Model
from hepzoo.samples import Samples
from hepzoo.training.options import TrainOptions
from hepzoo.training.steps import TrainStep

__all__ = ["Metric", "Recipe", "default_optimizer"]


def default_optimizer(params: list[nn.Parameter], options: TrainOptions) -> torch.optim.Optimizer:
    """Adam or AdamW with the options' lr, betas, eps and weight decay."""
    cls = torch.optim.AdamW if options.optimizer == "adamw" else torch.optim.Adam
    return cls(params, lr=options.lr, betas=tuple(options.betas), eps=options.eps, weight_decay=options.weight_decay)


@attrs.define(frozen=True)
class Metric:
    """A validation metric (lower is better) and its scale in the selection score.

    ``scale`` None means the metric's value at the run's first validation, so every metric starts
    at 1 and the score is the sum of each one's improvement factor.
    """

    name: str
    scale: float | None = None


class Recipe(abc.ABC):
    """A family's training recipe; the engine (:func:`hepzoo.training.train`) owns the loop.

    ``defaults`` overrides :class:`~hepzoo.training.TrainOptions` fields (lr, batch size, Adam's
    betas/eps, epochs...). ``metrics`` are the names :meth:`validate` returns; the best checkpoint
    minimises ``sum(value / scale)`` over them. Family options (``add_arguments``) are kept in
    ``self.args`` and recorded with the run, so a resume with other values is refused.
    """

    family: ClassVar[str]
    defaults: ClassVar[dict[str, Any]] = {}
    metrics: ClassVar[tuple[Metric, ...]] = ()

    def __init__(self, **args: Any) -> None:
        self.args = dict(args)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the family's own command-line options (their values land in ``self.args``)."""
        return None

    def run_options(self) -> dict[str, Any]:
        """The family options that define the run (compared on resume); all of ``args`` by default."""
        return dict(self.args)

    @abc.abstractmethod
    def load_data(self, data: str) -> tuple[Samples, Samples]:
        """``(train, valid)`` from a file or a registered dataset name."""

    @abc.abstractmethod
    def build_model(self, train: Samples) -> Model:
        """A fresh model, its preprocessing and prior fitted on ``train``."""

    def networks(self, model: Model) -> dict[str, nn.Module]:
        """Networks other than the model: a critic (trained), a teacher (``requires_grad_(False)``)."""
        return {}

    def make_optimizer(self, name: str, params: list[nn.Parameter], options: TrainOptions) -> torch.optim.Optimizer:
        """The optimiser of network ``name`` (``options``' Adam/AdamW by default).

        A group's lr relative to ``options.lr`` is kept through the schedule (e.g. a critic at 2x).
        """
        return default_optimizer(params, options)

    @abc.abstractmethod
    def prepare(self, model: Model, train: Samples, device: torch.device) -> Any:
        """The training set in the step's form (preprocessed, on ``device``), built once."""

    @abc.abstractmethod
    def epoch_batches(self, prepared: Any, batch_size: int, generator: torch.Generator) -> Sequence:
        """One epoch's batches in order; a function of ``generator`` alone (resume skips a prefix)."""

    @abc.abstractmethod
    def make_step(self, model: Model, networks: dict[str, nn.Module]) -> TrainStep:
        """The training step (a :class:`LossStep`, an :class:`AdversarialStep` subclass, ...)."""

    @abc.abstractmethod
    def validate(self, model: Model, valid: Samples, device: torch.device, seed: int) -> dict[str, float]:
        """``{metric name: value}`` of ``model`` (in eval mode) against ``valid``, seeded."""
