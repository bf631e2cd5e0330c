"""``hepzoo.evaluate``: compare generated samples with a reference, dispatching on the representation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hepzoo.errors import InvalidDataError
from hepzoo.evaluation.report import format_report
from hepzoo.samples import Samples

__all__ = ["evaluate", "load_samples", "format_report"]


def load_samples(obj: Samples | str | Path) -> Samples:
    """Samples as given, or read from a JetNet (``particle_features``) or CaloChallenge (``showers``) file."""
    if isinstance(obj, Samples):
        return obj
    if not isinstance(obj, (str, Path)):
        raise InvalidDataError(f"expected Samples or a file path, got {type(obj).__name__}")
    import h5py

    path = Path(obj)
    if not path.exists():
        raise InvalidDataError(f"{path} does not exist; pass a JetNet or CaloChallenge HDF5 file")
    try:
        with h5py.File(path, "r") as f:
            keys = set(f.keys())
    except OSError as err:
        raise InvalidDataError(f"{path} is not a readable HDF5 file ({err})") from err
    if "particle_features" in keys:
        from hepzoo.data.jetnet_io import read_jetnet

        return read_jetnet(path)
    if "showers" in keys:
        from hepzoo.data.calochallenge_io import read_calochallenge

        return read_calochallenge(path)
    raise InvalidDataError(
        f"{path} is neither a JetNet file (particle_features) nor a CaloChallenge file (showers); "
        f"it holds {sorted(keys)}"
    )


def evaluate(
    gen: Samples | str | Path,
    reference: Samples | str | Path,
    output_dir: str | Path | None = None,
    **opts: Any,
) -> dict[str, Any]:
    """Metrics of ``gen`` vs ``reference`` (and truth vs truth); plots and metrics.json in ``output_dir``."""
    gen, reference = load_samples(gen), load_samples(reference)
    kind, ref_kind = gen.representation.kind, reference.representation.kind
    if kind != ref_kind:
        raise InvalidDataError(
            f"cannot compare {kind} samples with a {ref_kind} reference; pass matching files"
        )
    if kind == "point_cloud":
        from hepzoo.evaluation.jets import evaluate_jets

        return evaluate_jets(gen, reference, output_dir, **opts)
    if kind == "voxel":
        from hepzoo.evaluation.showers import evaluate_showers

        return evaluate_showers(gen, reference, output_dir, **opts)
    raise InvalidDataError(f"no evaluation for {kind!r} samples; point_cloud and voxel are supported")
