"""``hepzoo release``: the card's metric table, scales and wording come from the evaluator, and the
published cards in registry/ are reproduced byte for byte from their evaluation results."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from hepzoo.hub.card import ModelCard, parse_front_matter
from hepzoo.hub.release import metrics_table, release_card
from hepzoo.plugins.specs import EvaluatorSpec

ROOT = Path(__file__).resolve().parents[1]
CARDS = sorted((ROOT / "registry").glob("*/*/README.md"))
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
    counts = re.search(r"(\d+) generated events \(seed (\d+)\) against (\d+) held-out reference events;"
                       r".*?\((\d+) each\)", body, re.S)
    reproduce = body.split("Reproduce with:\n\n```bash\n", 1)[1].split("\n```", 1)[0].splitlines()
    family, tag = path.parent.parent.name, path.parent.name
    table = [_ROW.match(line) for line in body.splitlines() if _ROW.match(line)]
    gen, truth = {}, {}
    for name, row in zip(front["metrics"], table):  # the table's rows are in the card's metric order
        m = front["hepzoo_metrics"][name]
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
    return dict(result=result, model_id=f"{family}/{tag}", family=family, tag=tag, card=card,
                reference=reference, n=int(counts.group(1)), seed=int(counts.group(2)),
                reference_command=reproduce[0] if len(reproduce) == 3 else "")


@pytest.mark.parametrize("path", CARDS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_published_card_is_reproduced_byte_for_byte(path, registry):
    got = card_inputs(path)
    card = release_card(got["result"], got["model_id"], got["reference"], n=got["n"], seed=got["seed"],
                        card=got["card"], reference_command=got["reference_command"])
    assert card.render(got["family"], got["tag"]) == path.read_text()


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
