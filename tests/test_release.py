"""``hepzoo release``: the card's metric table, scales and wording come from the evaluator, and the
published cards in registry/ are reproduced byte for byte from their evaluation results."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from hepzoo.conditions import Condition
from hepzoo.hub.card import ModelCard, parse_front_matter
from hepzoo.hub.release import fidelity_text, metrics_table, release_card
from hepzoo.plugins.specs import EvaluatorSpec

ROOT = Path(__file__).resolve().parents[1]
# single-reference cards; an id that pins a condition is a link to its all-value folder, whose card
# (sections per value, hepzoo_metrics_by_condition) plugins/pc-droid/tests/test_release_by_type.py checks
CARDS = sorted(p for p in (ROOT / "registry").glob("*/*/README.md")
               if not p.parent.is_symlink() and "\nhepzoo_metrics_by_condition: " not in p.read_text())
_ROW = re.compile(r"^\| (.+?) \| ([-\d.]+) ± ([-\d.]+) \| ([-\d.]+) ± ([-\d.]+) \|$")


def card_inputs(path: Path) -> dict:
    """What ``hepzoo release`` was given for a published card, and the evaluation result it saw.

    The front matter holds each metric's value, error and truth value exactly; the truth errors
    are read back from the table (rounded as printed, which the table reproduces).
    """
    text = path.read_text()
    front = parse_front_matter(text)
    body = text.split("---\n", 2)[2]
    title = re.search(r"^# (.+)$", body, re.M).group(1)
    description = body.split(f"# {title}\n\n", 1)[1].split("\n\n```python", 1)[0]
    notes = body.split("```\n\n", 1)[1].split("\n\n## Evaluation on held-out data", 1)[0]
    if notes.startswith("## Conditions\n"):  # rendered from the model's conditions, not part of the notes
        notes = "## " + notes.split("\n\n## ", 1)[1]
    counts = re.search(r"(\d+) generated events \(seed (\d+)\) against (\d+) held-out reference events;"
                       r".*?\((\d+) each\)", body, re.S)
    reproduce = body.split("Reproduce with:\n\n```bash\n", 1)[1].split("\n```", 1)[0].splitlines()
    family, tag = path.parent.parent.name, path.parent.name
    table = iter([_ROW.match(line) for line in body.splitlines() if _ROW.match(line)])
    gen, truth = {}, {}
    for name in front["metrics"]:  # the table's rows are in the card's metric order, entries after their mean
        m, row = front["hepzoo_metrics"][name], next(table)
        parts = m.get("components", {})
        for _ in parts:
            next(table)
        if parts:  # a vector metric: the front matter holds every entry exactly
            gen[name] = {"value": [p["value"] for p in parts.values()], "error": [p["error"] for p in parts.values()]}
            truth[name] = {"value": [p["truth"] for p in parts.values()],
                           "error": [p["truth_error"] for p in parts.values()]}
            continue
        scale = 10 ** round(math.log10(float(row.group(2)) / m["value"]))
        gen[name] = {"value": m["value"], "error": m["error"]}
        truth[name] = {"value": m["truth"], "error": float(row.group(5)) / scale}
    result = {
        "representation": "point_cloud",
        "n_reference": int(counts.group(3)),
        "truth_split_size": int(counts.group(4)),
        "gen_vs_reference": gen,
        "truth_vs_truth": truth,
    }
    card = ModelCard(
        title=title,
        description=description,
        license=front["license"],
        datasets=tuple(front.get("datasets", ())),
        papers=tuple(t.removeprefix("arxiv:") for t in front["tags"] if t.startswith("arxiv:")),
        body=notes,
    )
    reference = reproduce[-1].rpartition("--reference ")[2]
    figures = re.findall(r"^!\[(.*?)\]\((.*?)\)$", body.partition("\n## Figures\n")[2], re.M)
    conditions = [Condition(**c) for c in front.get("hepzoo_conditions", [])]
    speed = re.search(r"^Generation speed: .*$", body, re.M)  # cards released before it was measured have none
    return dict(speed_text=speed.group(0) if speed else "", fidelity=front.get("hepzoo_fidelity") or {}, result=result, model_id=f"{family}/{tag}", family=family, tag=tag, card=card, conditions=conditions,
                reference=reference, n=int(counts.group(1)), seed=int(counts.group(2)),
                reference_command=reproduce[0] if len(reproduce) == 3 else "", figures=figures)


@pytest.mark.parametrize("path", CARDS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_published_card_is_reproduced_byte_for_byte(path, registry):
    got = card_inputs(path)
    card = release_card(got["result"], got["model_id"], got["reference"], n=got["n"], seed=got["seed"],
                        card=got["card"], reference_command=got["reference_command"], figures=got["figures"],
                        speed_text=got["speed_text"], fidelity_text=fidelity_text(got["fidelity"], got["result"]))
    card.fidelity = got["fidelity"]
    assert card.render(got["family"], got["tag"], conditions=got["conditions"]) == path.read_text()
    for _, figure in got["figures"]:  # every figure the card shows is in its folder
        assert (path.parent / figure).is_file()


def test_jet_table_uses_the_evaluators_scales_and_labels(registry):
    result = {
        "representation": "point_cloud",
        "gen_vs_reference": {"kpd": {"value": 2e-6, "error": 1e-6}, "w1m": {"value": 0.0123, "error": 0.0004}},
        "truth_vs_truth": {"w1m": {"value": 0.001, "error": 0.0002}},
    }
    lines = metrics_table(result).splitlines()
    assert lines[2] == "| W1M ×10^3 | 12.300 ± 0.400 | 1.000 ± 0.200 |"  # declared order, not result order
    assert lines[3] == "| KPD ×10^3 | 0.002 ± 0.001 | - |"


def test_shower_table_speaks_of_separation_powers_and_classifier_auc(registry):
    result = {
        "representation": "voxel",
        "gen_vs_reference": {
            "sep_E_layer": {"value": [0.1, 0.3], "error": 0.0},
            "auc_cls-low": {"value": 0.61, "error": 0.0},
            "fpd_x1e3": {"value": 12.5, "error": 0.5},
        },
    }
    lines = metrics_table(result).splitlines()
    assert lines[2:] == [
        "| classifier AUC cls-low | 0.610 ± 0.000 | - |",
        "| FPD ×10^3 | 12.500 ± 0.500 | - |",
        "| separation power E_layer | 0.200 ± 0.000 | - |",
    ]


def test_a_plugins_evaluator_words_its_own_table():
    spec = EvaluatorSpec("tabular", "x:y", metrics=("nll",), scales={"nll": 100.0}, labels={"nll": "NLL/100"})
    table = metrics_table({"gen_vs_reference": {"nll": {"value": 0.5, "error": 0.01}}}, spec)
    assert table.splitlines()[2] == "| NLL/100 | 50.000 ± 1.000 | - |"


def test_a_result_without_representation_is_refused(registry):
    from hepzoo.errors import InvalidDataError

    with pytest.raises(InvalidDataError, match="names no representation"):
        metrics_table({"gen_vs_reference": {}})


def test_a_vector_metric_prints_its_mean_then_each_named_entry(registry):
    result = {
        "representation": "point_cloud",
        "n_reference": 200,
        "truth_split_size": 100,
        "gen_vs_reference": {"w1p": {"value": [0.006, 0.004, 0.0005], "error": [0.0002, 0.0001, 0.00003]}},
        "truth_vs_truth": {"w1p": {"value": [0.001, 0.0011, 0.0002], "error": [0.0001, 0.0001, 0.00002]}},
    }
    assert metrics_table(result).splitlines()[2:] == [
        "| W1P ×10^3 | 3.500 ± 0.130 | 0.767 ± 0.082 |",
        "| W1P ×10^3, eta_rel | 6.000 ± 0.200 | 1.000 ± 0.100 |",
        "| W1P ×10^3, phi_rel | 4.000 ± 0.100 | 1.100 ± 0.100 |",
        "| W1P ×10^3, pt_rel | 0.500 ± 0.030 | 0.200 ± 0.020 |",
    ]
    card = release_card(result, "epic-gan/x", "ref.h5", n=100, seed=1, figures=[("jet mass", "figures/m.png")])
    parts = card.metrics["w1p"]["components"]
    assert parts["pt_rel"] == {"value": 0.0005, "error": 0.00003, "truth": 0.0002, "truth_error": 0.00002}
    assert card.body.endswith("## Figures\n\n![jet mass](figures/m.png)")


@pytest.mark.slow
def test_release_writes_the_cards_figures_and_training_curves(tmp_path):
    """A release of a bundled model: W1P per feature on the card, the figures it links in the folder."""
    import json

    import hepzoo
    from hepzoo.hub.release import release

    model = hepzoo.load("epic-gan/jetnet150-top")
    reference = tmp_path / "reference.h5"
    model.sample(1200, seed=2).save(reference)
    log = tmp_path / "train_log.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in [
        {"event": "train", "step": 100, "d_loss": 0.2, "g_loss": 0.3, "steps_per_s": 5.0},
        {"event": "valid", "step": 100, "w1m": 0.02, "w1p": 0.01, "score": 2.0, "best": True},
        {"event": "valid", "step": 200, "w1m": 0.01, "w1p": 0.008, "score": 1.0, "best": True},
        {"event": "done", "step": 200, "train_seconds": 40.0},
    ]) + "\n")
    out = release(hepzoo.locate("epic-gan/jetnet150-top"), tmp_path / "card", reference, tag="jetnet150-top",
                  n=600, seed=1, train_log=log, metrics=("w1m", "w1p"))
    folder = Path(out["folder"])
    text = (folder / "README.md").read_text()
    assert "| W1P ×10^3, pt_rel |" in text
    figures = re.findall(r"^!\[.*?\]\((.*?)\)$", text, re.M)
    assert "figures/training_curves.png" in figures and "figures/jet_mass_rel.png" in figures
    assert all((folder / f).read_bytes().startswith(b"\x89PNG") for f in figures)
    assert set(out["metrics"]["w1p"]["components"]) == {"eta_rel", "phi_rel", "pt_rel"}
    speed = re.search(r"^Generation speed: the 600 events above took ([\d.]+) s with `model.sample` \(one-shot\): "
                      r"\*\*([\d,]+) events/s\*\* on CPU .*, \d+ threads?, torch .*\.$", text, re.M)
    assert speed and int(speed.group(2).replace(",", "")) > 0
    assert text.index("Generation speed:") < text.index("Reproduce with:")


def test_release_refuses_a_log_without_validation_before_any_work(tmp_path):
    from hepzoo.errors import InvalidDataError
    from hepzoo.hub.release import release

    (tmp_path / "train_log.jsonl").write_text('{"event": "train", "step": 1}\n')
    with pytest.raises(InvalidDataError, match="no validation records"):
        release(tmp_path / "missing-model", tmp_path / "out", tmp_path / "ref.h5", tag="x", train_log=tmp_path)


def _log(path: Path, rows: list) -> Path:
    import json

    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in rows))
    return path


_RUN = [{"event": "start", "family": "pc-droid-cae"},
        {"event": "train", "step": 10, "loss": 1.0},
        {"event": "valid", "step": 10, "score": 0.5, "w1m": 0.5},
        {"event": "valid", "step": 20, "score": 0.3, "w1m": 0.3},
        {"event": "done", "step": 20, "train_seconds": 5.0}]


def test_a_nan_validation_score_is_never_the_best_step(tmp_path):
    from hepzoo.training.curves import training_summary

    rows = [*_RUN[:2], {"event": "valid", "step": 10, "score": math.nan, "w1m": math.inf}, *_RUN[3:]]
    summary = training_summary(_log(tmp_path / "train_log.jsonl", rows))
    assert summary["best_step"] == 20 and summary["best_metrics"] == {"w1m": 0.3}


@pytest.mark.parametrize("step", [None, "ten", True])
def test_a_record_without_a_numeric_step_is_one_line(tmp_path, step):
    from hepzoo.errors import InvalidDataError
    from hepzoo.training.curves import training_summary

    rows = [*_RUN[:2], {"event": "valid", "score": 0.1, **({} if step is None else {"step": step})}]
    with pytest.raises(InvalidDataError, match="without a numeric step"):
        training_summary(_log(tmp_path / "train_log.jsonl", rows))


def test_a_missing_log_says_it_does_not_exist(tmp_path):
    from hepzoo.errors import InvalidDataError
    from hepzoo.training.curves import training_summary

    with pytest.raises(InvalidDataError, match="does not exist"):
        training_summary(tmp_path / "nope.jsonl")
    with pytest.raises(InvalidDataError, match="does not exist"):
        training_summary(tmp_path)  # a folder without train_log.jsonl


def test_a_non_utf8_log_with_a_cut_line_still_reads(tmp_path):
    from hepzoo.training.curves import training_summary

    path = _log(tmp_path / "train_log.jsonl", _RUN)
    path.write_bytes(path.read_bytes() + b'\xff\xfe{"event": "valid", "st')
    assert training_summary(path)["best_step"] == 20


@pytest.mark.parametrize("target", ["file", "users-folder"])
def test_release_refuses_its_output_before_loading_the_model(tmp_path, target, monkeypatch):
    from hepzoo.errors import OutputError
    from hepzoo.hub import release as release_module

    out = tmp_path / "out"
    if target == "file":
        out.write_text("mine")
    else:
        out.mkdir()
        (out / "notes.txt").write_text("mine")
    monkeypatch.setattr(release_module, "load_pretrained", lambda *a: pytest.fail("loaded before the check"))
    with pytest.raises(OutputError):
        release_module.release(tmp_path / "model", out, tmp_path / "ref.h5", tag="x")
    assert (out.read_text() if target == "file" else (out / "notes.txt").read_text()) == "mine"


def test_release_refuses_the_log_of_another_family(tmp_path, monkeypatch):
    from hepzoo.errors import InvalidDataError
    from hepzoo.hub import release as release_module

    class Model:
        family, tag = "epic-gan", None

    monkeypatch.setattr(release_module, "load_pretrained", lambda *a: Model())
    log = _log(tmp_path / "train_log.jsonl", _RUN)
    with pytest.raises(InvalidDataError, match="log of a pc-droid-cae run, but .* is a epic-gan model"):
        release_module.release(tmp_path / "model", tmp_path / "out", tmp_path / "ref.h5", tag="x", train_log=log)


@pytest.mark.parametrize("content", [None, b"\xff\xfe notes"])
def test_release_notes_that_are_missing_or_not_utf8_are_one_line(tmp_path, capsys, content):
    from hepzoo.cli.main import main

    notes = tmp_path / "notes.md"
    if content is not None:
        notes.write_bytes(content)
    code = main(["release", str(tmp_path / "model"), "--reference", "r.h5", "--tag", "x", "-o",
                 str(tmp_path / "out"), "--notes", str(notes)])
    err = capsys.readouterr().err
    assert code == 2 and "--notes" in err and err.count("\n") == 1 and "Traceback" not in err
