"""What the extension hooks register: evaluators, file formats and CLI commands, by import path only."""

from __future__ import annotations

import math
from typing import Any

import attrs

__all__ = ["EvaluatorSpec", "FormatSpec", "CommandSpec"]


def _load(target: str) -> Any:
    from hepzoo.registry import import_target

    return import_target(target)


@attrs.define(frozen=True)
class EvaluatorSpec:
    """How samples of one representation are compared with a reference, and how a card prints it.

    ``target`` is ``fn(gen, reference, output_dir=None, *, seed=0, **options) -> result`` (result:
    ``gen_vs_reference``/``truth_vs_truth`` dicts of ``{"value", "error"}``, see
    ``hepzoo.evaluation.report``; plots go to ``output_dir``). ``metrics`` lists the metric names in
    table order; ``scales`` the factor a table prints a metric at; ``labels`` (exact names) and
    ``prefixes`` (``{"sep_": "separation power "}``) its row label; ``options`` the evaluation
    options beyond ``seed`` that the CLI may pass; ``errors_note`` what the error column means.
    ``components`` names the entries of a metric whose value is a vector (``{"w1p": ("eta_rel",
    ...)}``): a card prints their mean and then one row per entry (papers average them differently).
    ``check`` (optional) is ``fn(samples, what, **options)``, raising InvalidDataError for samples
    no metric should score (degenerate, too few); it runs on the generated sample before the
    reference is read, so a broken file is refused at once; ``hepzoo.evaluate`` then calls ``target``
    with ``checked=True`` so it need not run them again.
    """

    representation: str
    target: str
    metrics: tuple[str, ...] = ()
    scales: dict[str, float] = attrs.field(factory=dict)
    labels: dict[str, str] = attrs.field(factory=dict)
    prefixes: dict[str, str] = attrs.field(factory=dict)
    options: tuple[str, ...] = ()
    errors_note: str = ""
    description: str = ""
    check: str = ""
    components: dict[str, tuple[str, ...]] = attrs.field(factory=dict)

    @property
    def name(self) -> str:
        return self.representation

    def load(self) -> Any:
        return _load(self.target)

    def check_samples(self, samples: Any, what: str, **options: Any) -> None:
        """Run ``check`` (if any) on ``samples`` ("generated" or "reference")."""
        if self.check:
            _load(self.check)(samples, what, **options)

    def scale(self, metric: str) -> float:
        return self.scales.get(metric, 1.0)

    def label(self, metric: str) -> str:
        """The table row label: an explicit label, a prefix's wording, ``NAME ×10^k`` when scaled, else the name."""
        if metric in self.labels:
            return self.labels[metric]
        for prefix, wording in self.prefixes.items():
            if metric.startswith(prefix):
                return wording + metric[len(prefix) :]
        scale = self.scale(metric)
        return f"{metric.upper()} ×10^{round(math.log10(scale))}" if scale != 1.0 else metric

    def ordered(self, names) -> list[str]:
        """``names`` with the declared metrics first, in their declared order."""
        names = list(names)
        return [m for m in self.metrics if m in names] + [m for m in names if m not in self.metrics]


@attrs.define(frozen=True)
class FormatSpec:
    """A community file format: the HDF5 datasets that identify it, its reader and writer.

    ``reader`` is ``fn(path) -> Samples``; ``writer`` is ``fn(path, samples) -> Path``. A
    ``streaming`` writer also takes an iterable of Samples batches and appends them as they come
    (one batch in memory; the file is opened before the first batch is drawn); batches for a
    writer that does not stream are joined in memory first.
    """

    name: str
    representation: str
    keys: tuple[str, ...]
    reader: str
    writer: str = ""
    description: str = ""
    streaming: bool = False

    @property
    def target(self) -> str:
        return self.reader

    def matches(self, keys) -> bool:
        return set(self.keys) <= set(keys)

    def read(self, path) -> Any:
        return _load(self.reader)(path)

    def write(self, path, samples) -> Any:
        from hepzoo.errors import ConfigError

        if not self.writer:
            raise ConfigError(f"format {self.name!r} is read-only; save in another format")
        return _load(self.writer)(path, samples)


@attrs.define(frozen=True)
class CommandSpec:
    """A ``hepzoo`` subcommand.

    ``target`` is ``run(args) -> int`` (``run(args, rest)`` with ``passthrough``, which hands the
    options the core does not parse to the command). ``arguments`` is ``configure(parser)``, which
    adds the command's arguments to its argparse parser; it is imported for every ``hepzoo`` call,
    so it must not import torch.
    """

    name: str
    target: str
    help: str = ""
    arguments: str = ""
    passthrough: bool = False

    @property
    def description(self) -> str:
        return self.help

    def load(self) -> Any:
        return _load(self.target)
