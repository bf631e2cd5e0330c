"""Release a model conditional on a categorical condition once, and as one id per value of it.

``hepzoo release MODEL --reference type=top:top.h5 --reference type=gluon:gluon.h5 --tag jetnet150
-o registry/FAMILY/jetnet150`` evaluates, for each value, ``n`` events drawn with that value fixed
against that value's held-out file, and writes one Hub folder whose card holds a section per value.
The ids that pin a value (``FAMILY/jetnet150-top``, ``PretrainedEntry.pinned_conditions``) share the
all-value id's Hub repo and files: pins live in the registry, not in the files, so no weights are
copied. In ``registry/`` each pinned id's folder is a relative link to the all-value folder.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from hepzoo.errors import ConfigError, InvalidDataError, OutputError
from hepzoo.hub.card import ModelCard
from hepzoo.hub.local import is_model_folder, save_pretrained
from hepzoo.hub.publish import file_hashes, registry_snippet
from hepzoo.hub.release import (
    CARD_PLOTS,
    _cell,
    _evaluator,
    evaluation_text,
    fidelity_text,
    figures_section,
    load_for_release,
    metric_summary,
    reproduce_block,
    speed_line,
)

if TYPE_CHECKING:
    from hepzoo.conditions import Condition
    from hepzoo.hub.fidelity import FidelityPoint
    from hepzoo.model import Model
    from hepzoo.plugins.specs import EvaluatorSpec
    from hepzoo.samples import Samples

__all__ = ["ConditionReference", "parse_references", "resolve_references", "release_by_condition",
           "pinned_folder", "overview_table"]

_SPEC = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=([^:=/\\]+):(.+)$")


@attrs.define(frozen=True)
class ConditionReference:
    """The held-out file of the events with ``name`` = ``value`` (a label as given, checked against the model later)."""

    name: str
    value: str
    path: Path


def parse_references(items: Sequence[str]) -> str | list[ConditionReference]:
    """``--reference`` arguments -> one plain file (the single-reference release) or ``NAME=VALUE:FILE`` items.

    An argument that names an existing file is always that file. Otherwise ``NAME=VALUE:FILE``
    (``type=top:test-top.h5``) gives the reference of the events with that condition value. Plain
    and per-value references do not mix, a plain one is given once, and a value once.
    """
    items = [str(item) for item in items or ()]
    if not items:
        raise ConfigError("--reference is required: a held-out file, or NAME=VALUE:FILE once per value")
    parsed: list[str | ConditionReference] = []
    for item in items:
        match = None if Path(item).exists() else _SPEC.match(item.strip())
        parsed.append(item if match is None else
                      ConditionReference(match.group(1), match.group(2).strip(), Path(match.group(3))))
    plain = [p for p in parsed if isinstance(p, str)]
    if plain and len(parsed) > 1:
        raise ConfigError(
            f"--reference {plain[0]} is one file for every event, but {len(parsed)} references are given; pass one "
            "file, or NAME=VALUE:FILE for each value (e.g. --reference type=top:top.h5 --reference type=w:w.h5)"
        )
    if plain:
        return plain[0]
    refs = [p for p in parsed if isinstance(p, ConditionReference)]
    seen: set[tuple[str, str]] = set()
    for ref in refs:
        if (ref.name, ref.value.lower()) in seen:
            raise ConfigError(f"--reference {ref.name}={ref.value} is given twice; give one file per value")
        seen.add((ref.name, ref.value.lower()))
    return refs


def resolve_references(model: Model, refs: Sequence[ConditionReference]) -> tuple[Condition, list[int]]:
    """The categorical condition the references split and each one's value index; refused one line at a time.

    Every reference names the same declared categorical condition, a value it accepts (label,
    unique prefix or index), each value once, and a file that exists.
    """
    declared = {c.name: c for c in model.conditions}
    categorical = [c.name for c in model.conditions if c.kind == "categorical"]
    names = sorted({r.name for r in refs})
    if len(names) > 1:
        raise ConfigError(f"--reference splits by {' and '.join(names)}; give the references of one condition")
    name = names[0]
    if name not in declared or declared[name].kind != "categorical":
        takes = f"its categorical conditions: {', '.join(categorical)}" if categorical else "none (no categorical condition)"
        raise ConfigError(f"--reference {name}=...: this {model.family} model takes per-value references for "
                          f"{takes}")
    condition = declared[name]
    indices: list[int] = []
    for ref in refs:
        try:
            index = int(condition.parse(ref.value))
        except ConfigError as exc:
            raise ConfigError(f"--reference {name}={ref.value}: {exc}") from None
        if index in indices:
            raise ConfigError(f"--reference gives {name}={condition.labels[index]} twice ({ref.value!r} and "
                              f"{refs[indices.index(index)].value!r}); give one file per value")
        if not ref.path.is_file():
            raise ConfigError(f"--reference {name}={ref.value}: {ref.path} is not a file; pass the held-out file "
                              f"of the {condition.labels[index]} events")
        indices.append(index)
    return condition, indices


def _check_recorded(samples: Samples, condition: Condition, index: int, path: Path) -> None:
    """Refuse a reference whose events record another value of the condition (files record e.g. ``jet_type``)."""
    if condition.name not in samples.cond:
        return  # the file does not say (e.g. an official JetNet file): taken as labelled
    found = sorted({int(v) for v in np.unique(np.asarray(samples.cond[condition.name]))})
    if found != [index]:
        shown = "/".join(condition.labels[i] if 0 <= i < len(condition.labels) else str(i) for i in found)
        raise InvalidDataError(
            f"{path} holds {condition.name}={shown} events, not {condition.labels[index]}; pass the "
            f"{condition.labels[index]} file as --reference {condition.name}={condition.labels[index]}:FILE"
        )


def pinned_folder(out_dir: str | Path, label: str) -> Path:
    """Where the id pinning ``label`` lives beside the all-value folder: ``registry/FAMILY/TAG`` -> ``TAG-LABEL``."""
    out_dir = Path(out_dir)
    return out_dir.parent / f"{out_dir.name}-{label}"


def _check_link_target(path: Path) -> None:
    """A pinned id's folder may be replaced if it is absent, an empty folder or a link; never a real folder."""
    if path.is_symlink() or not path.exists():
        return
    if path.is_dir() and not any(path.iterdir()):
        return
    raise OutputError(f"{path} exists and is not a link to the released folder; the id it names shares that "
                      "folder's files: remove it, or write the release elsewhere")


def _link_folder(path: Path, target_name: str) -> Path:
    """Point ``path`` at the sibling folder ``target_name`` (a relative link, swapped in atomically)."""
    if path.is_dir() and not path.is_symlink():
        path.rmdir()  # an empty folder (checked before any work)
    tmp = path.parent / f".{path.name}.{os.getpid()}.link"
    if tmp.is_symlink():  # left by a run of this process id that was killed
        tmp.unlink()
    try:
        os.symlink(target_name, tmp, target_is_directory=True)
    except OSError:  # no links here (some Windows setups): a copy, verified below by sha256 like any folder
        from hepzoo.atomic import atomic_folder

        if path.is_symlink():
            path.unlink()  # never let the copy resolve through an old link onto the released folder
        with atomic_folder(path, lambda p: p.is_symlink() or is_model_folder(p), what="pinned-id folder") as out:
            shutil.copytree(path.parent / target_name, out, dirs_exist_ok=True)
        return path
    os.replace(tmp, path)
    return path


def release_by_condition(
    model_dir: str | Path,
    out_dir: str | Path,
    references: Sequence[ConditionReference],
    *,
    tag: str,
    n: int = 10_000,
    seed: int = 1,
    card: ModelCard | None = None,
    reference_command: str = "",
    repo_id: str = "",
    notes: str = "",
    plots: bool = True,
    train_log: str | Path | None = None,
    fidelity: Sequence[FidelityPoint] = (),
    fidelity_n: int = 10_000,
    fidelity_device: str = "cpu",
    **evaluate_options: Any,
) -> dict[str, Any]:
    """Evaluate ``model_dir`` per value of a categorical condition; write its folder and link one id per value.

    For each reference, ``n`` events with that value fixed (``model.sample(n, cond={name: value},
    seed=seed, device="cpu")``, the events of ``hepzoo sample FAMILY/TAG-VALUE --seed SEED --device
    cpu``) are evaluated against its file as ``hepzoo evaluate`` does. The card holds a section per
    value (metric table beside the truth floor, reproducing commands) and the per-value metrics in
    its front matter (``hepzoo_metrics_by_condition``, read back by ``hepzoo.hub.card.card_metrics``);
    ``fidelity`` adds the time-vs-fidelity table on the first reference's value. Every input is
    checked before the first event is drawn.
    """
    from hepzoo.config import positive_int
    from hepzoo.evaluation import check_samples, evaluate, load_samples
    from hepzoo.hub.fidelity import check_fidelity, measure_fidelity

    out_dir = Path(out_dir)
    n = positive_int("n", n)
    model = load_for_release(model_dir, out_dir, tag, train_log)
    condition, indices = resolve_references(model, references)
    labels = [condition.labels[i] for i in indices]
    for label in labels:
        _check_link_target(pinned_folder(out_dir, label))
    if fidelity:
        positive_int("fidelity_n", fidelity_n)
        check_fidelity(model, fidelity)
    held_out = []
    for ref, index in zip(references, indices):
        samples = load_samples(ref.path)
        _check_recorded(samples, condition, index, ref.path)
        check_samples(samples, "reference", **evaluate_options)
        held_out.append(samples)

    family = model.family
    by_value: dict[str, dict[str, Any]] = {}
    sections, extra, results = [], {}, {}
    with tempfile.TemporaryDirectory(prefix="hepzoo-release-") as tmp:
        for ref, label, index, reference in zip(references, labels, indices, held_out):
            samples = model.sample(n, cond={condition.name: index}, seed=seed, device="cpu")
            plot_dir = Path(tmp) / label if plots else None
            result = evaluate(samples, reference, plot_dir, seed=0, **evaluate_options)
            by_value[label] = metric_summary(result, _evaluator(result))
            results[label] = result
            written = {Path(p).stem: Path(p) for p in result.get("plots", ())}
            figures = [(f"{label}: {name.replace('_', ' ')}", f"figures/{label}-{name}.png")
                       for name in CARD_PLOTS if name in written]
            extra.update({rel: written[Path(rel).stem.removeprefix(f"{label}-")] for _, rel in figures})
            pinned_id = f"{family}/{tag}-{label}"
            sections.append("\n\n".join(part for part in [
                f"### {condition.name} = {label}: `{pinned_id}`",
                evaluation_text(result, n, seed),
                speed_line(model, n, samples.meta["seconds"]),  # model.sample times its own batches
                f"`{pinned_id}` is this model with `{condition.name}` pinned to {label}; it draws the same events "
                f"as `model.sample({n}, cond={{\"{condition.name}\": \"{label}\"}}, seed={seed}, device=\"cpu\")`. "
                "Reproduce with:",
                reproduce_block(pinned_id, ref.path, n=n, seed=seed, generated=f"generated-{label}.h5"),
                figures_section(figures).removeprefix("## Figures\n\n"),
            ] if part))
        measured = {}
        if fidelity:
            measured = measure_fidelity(model, fidelity, held_out[0], n=fidelity_n, seed=seed,
                                        cond={condition.name: labels[0]}, device=fidelity_device,
                                        reference_name=references[0].path.name, **evaluate_options)
        if plots and train_log is not None:
            from hepzoo.training.curves import plot_training_curves

            extra["figures/training_curves.png"] = plot_training_curves(train_log, Path(tmp) / "training_curves.png")
        sections.insert(0, overview_table(results, condition.name, _evaluator(result)))
        card = _card(card, condition, labels, sections, reference_command=reference_command, notes=notes,
                     fidelity=fidelity_text(measured, result) if measured else "",
                     curves=plots and train_log is not None)
        card.metrics_by_condition = {condition.name: by_value}
        card.fidelity = measured
        folder = save_pretrained(model, out_dir, card=card, extra_files=extra)
    files = file_hashes(folder)
    pinned = {}
    for label in labels:
        link = _link_folder(pinned_folder(out_dir, label), out_dir.name)
        if file_hashes(link) != files:
            raise OutputError(f"{link} does not hold the files of {folder}; remove it and release again")
        pinned[f"{family}/{tag}-{label}"] = str(link)
    return {
        "folder": str(folder),
        "pinned_folders": pinned,
        "metrics_by_condition": {condition.name: by_value},
        **({"fidelity": measured} if measured else {}),
        "registry": registry_snippet(folder, repo_id or f"hepzoo/{family}-{tag}"),
    }


def overview_table(results: Mapping[str, dict[str, Any]], name: str, spec: EvaluatorSpec) -> str:
    """Markdown: one row per value, each metric (mean over its entries) beside its truth floor."""
    metrics = spec.ordered(next(iter(results.values()))["gen_vs_reference"])
    head = " | ".join(f"{spec.label(m)} | truth" for m in metrics)
    lines = [f"| {name} | {head} |", "|---|" + "---:|" * (2 * len(metrics))]
    for label, result in results.items():
        gen, truth = result["gen_vs_reference"], result.get("truth_vs_truth", {})
        cells = " | ".join(f"{_cell(gen.get(m), spec.scale(m))} | {_cell(truth.get(m), spec.scale(m))}"
                           for m in metrics)
        lines.append(f"| {label} | {cells} |")
    return "\n".join(lines)


def _card(card: ModelCard | None, condition: Condition, labels: Sequence[str], sections: Sequence[str], *,
          reference_command: str, notes: str, fidelity: str, curves: bool) -> ModelCard:
    """The all-value card: ``card``'s text, a section per value, the time-vs-fidelity table, notes, curves."""
    card = card or ModelCard()
    intro = (
        f"## Evaluation on held-out data, per {condition.name}\n\n"
        f"One model for every {condition.name}; each value below was sampled with {condition.name} fixed and "
        f"compared with held-out events of that value only. Each is also published as its own id with "
        f"{condition.name} pinned ({', '.join(f'`-{label}`' for label in labels)} after this tag), sharing "
        "these files."
        + (f" The reference files are made with:\n\n```bash\n{reference_command}\n```" if reference_command else "")
    )
    card.body = "\n\n".join(part for part in [
        card.body.strip(), intro, *sections, fidelity, notes.strip(),
        figures_section([("training curves", "figures/training_curves.png")]) if curves else "",
    ] if part)
    return card
