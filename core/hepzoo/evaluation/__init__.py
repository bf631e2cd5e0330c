"""``hepzoo.evaluate``: compare generated samples with a reference through the representation's evaluator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hepzoo.errors import InvalidDataError
from hepzoo.evaluation.adherence import conditional_adherence, constituent_jets
from hepzoo.evaluation.report import format_report, ratio_histogram, write_metrics_json
from hepzoo.samples import Samples

__all__ = ["evaluate", "load_samples", "check_samples", "format_report", "write_metrics_json", "ratio_histogram",
           "conditional_adherence", "constituent_jets"]


def load_samples(obj: Samples | str | Path) -> Samples:
    """Samples as given, or read from a file in a registered format (JetNet, CaloChallenge, ...)."""
    if isinstance(obj, Samples):
        return obj
    if not isinstance(obj, (str, Path)):
        raise InvalidDataError(f"expected Samples or a file path, got {type(obj).__name__}")
    from hepzoo.data.formats import read_samples

    return read_samples(obj)


def evaluate(
    gen: Samples | str | Path,
    reference: Samples | str | Path,
    output_dir: str | Path | None = None,
    *,
    generated_checked: bool = False,
    **opts: Any,
) -> dict[str, Any]:
    """Metrics of ``gen`` vs ``reference`` (and truth vs truth); plots and metrics.json in ``output_dir``.

    Degenerate or too-small samples are refused first (``check_samples``, once per sample), the
    generated one before the reference is read; ``generated_checked``: the caller has checked
    ``gen`` already (the CLI does, before reading the reference).
    """
    from hepzoo.plugins.manager import get_registry

    if output_dir is not None:
        from hepzoo.atomic import check_writable_folder

        check_writable_folder(output_dir)
    gen = load_samples(gen)
    spec = get_registry().evaluator(gen.representation.kind)
    if not generated_checked:
        spec.check_samples(gen, "generated", **opts)
    reference = load_samples(reference)
    kind, ref_kind = gen.representation.kind, reference.representation.kind
    if kind != ref_kind:
        raise InvalidDataError(
            f"cannot compare {kind} samples with a {ref_kind} reference; pass matching files"
        )
    sizes = [getattr(s.representation, "max_particles", None) for s in (gen, reference)]
    if sizes[0] != sizes[1]:
        raise InvalidDataError(
            f"the generated jets hold up to {sizes[0]} particles and the reference up to {sizes[1]}; the metrics "
            "of the leading particles would differ: compare like with like (a reference of the sample's "
            "max_particles, or a model of the reference's)"
        )
    spec.check_samples(reference, "reference", **opts)
    if spec.check:  # the evaluator need not repeat the checks just run
        opts["checked"] = True
    return spec.load()(gen, reference, output_dir, **opts)


def check_samples(samples: Samples, what: str = "generated", **opts: Any):
    """Run the evaluator's checks (degenerate, absurd or too few events) on one sample; return the spec."""
    from hepzoo.plugins.manager import get_registry

    spec = get_registry().evaluator(samples.representation.kind)
    spec.check_samples(samples, what, **opts)
    return spec

