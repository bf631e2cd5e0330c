"""``hepzoo.evaluate``: compare generated samples with a reference through the representation's evaluator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hepzoo.errors import InvalidDataError
from hepzoo.evaluation.report import format_report, ratio_histogram, write_metrics_json
from hepzoo.samples import Samples

__all__ = ["evaluate", "load_samples", "format_report", "write_metrics_json", "ratio_histogram"]


def load_samples(obj: Samples | str | Path) -> Samples:
    """Samples as given, or read from a file in a registered format (JetNet, CaloChallenge, ...)."""
    if isinstance(obj, Samples):
        return obj
    if not isinstance(obj, (str, Path)):
        raise InvalidDataError(f"expected Samples or a file path, got {type(obj).__name__}")
    import h5py

    from hepzoo.plugins.manager import get_registry

    path = Path(obj)
    formats = get_registry().formats()
    names = " or ".join(f"{s.name} ({', '.join(s.keys)})" for s in formats)
    if not path.exists():
        raise InvalidDataError(f"{path} does not exist; pass a file in a known format: {names}")
    try:
        with h5py.File(path, "r") as f:
            keys = set(f.keys())
    except OSError as err:
        raise InvalidDataError(f"{path} is not a readable HDF5 file ({err})") from err
    spec = get_registry().format_for_keys(keys)
    if spec is None:
        raise InvalidDataError(f"{path} is in no known format ({names}); it holds {sorted(keys)}")
    return spec.read(path)


def evaluate(
    gen: Samples | str | Path,
    reference: Samples | str | Path,
    output_dir: str | Path | None = None,
    **opts: Any,
) -> dict[str, Any]:
    """Metrics of ``gen`` vs ``reference`` (and truth vs truth); plots and metrics.json in ``output_dir``."""
    from hepzoo.plugins.manager import get_registry

    gen, reference = load_samples(gen), load_samples(reference)
    kind, ref_kind = gen.representation.kind, reference.representation.kind
    if kind != ref_kind:
        raise InvalidDataError(
            f"cannot compare {kind} samples with a {ref_kind} reference; pass matching files"
        )
    return get_registry().evaluator(kind).load()(gen, reference, output_dir, **opts)

