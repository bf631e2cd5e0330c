"""hepzoo: load, sample, evaluate and compare generative models for fast simulation in HEP."""

from __future__ import annotations

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("hepzoo")
except _metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.1.0"

from hepzoo.api import info, list_models, load, locate
from hepzoo.errors import HepzooError
from hepzoo.samples import Samples

__all__ = ["__version__", "load", "list_models", "info", "locate", "evaluate", "Samples", "HepzooError"]


def evaluate(gen, reference, output_dir=None, **options):
    """Compare generated events with a reference (Samples or files): metrics + plots.

    Jets: W1M, W1P, W1EFP, FPD, KPD; showers: CaloChallenge features, separation power,
    classifier AUC/JSD, FPD/KPD; each beside its truth-vs-truth value (the noise floor).
    """
    from hepzoo.evaluation import evaluate as _evaluate

    return _evaluate(gen, reference, output_dir=output_dir, **options)
