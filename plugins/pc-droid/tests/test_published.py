"""The published PC-Droid models in registry/: every id loads by name (sha256-verified), the per-type ids
sample their type, and the card's top-jet metrics are reproduced on held-out jets."""

from __future__ import annotations

import re

import numpy as np
import pytest

import hepzoo
from hepzoo.conditions import JET_TYPE
from hepzoo.hub.card import card_metrics, parse_front_matter
from hepzoo_pc_droid.pretrained import PRETRAINED

ENTRIES = {f"{entry['family']}/{entry['tag']}": entry for entry in PRETRAINED}
PINNED = sorted(name for name, entry in ENTRIES.items() if entry.get("pinned_conditions"))
METRICS = {"w1m", "w1p", "w1efp", "fpd", "kpd"}


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_loads_by_name_and_samples_real_jets(name, registry):
    model = hepzoo.load(name)
    jets = model.sample(24, seed=1, steps=4, progress=False)  # few solver steps: the shape, not the fidelity
    assert jets.x.shape == (24, 150, 3)
    np.testing.assert_array_equal(jets.mask.sum(1), jets.cond["n_particles"])
    assert (jets.x[~jets.mask] == 0).all() and np.isfinite(jets.x).all()
    assert (jets.x[..., 2][jets.mask] > 0).all()  # every real constituent carries pT
    pinned = ENTRIES[name].get("pinned_conditions")
    if pinned:
        assert set(np.unique(jets.cond["type"])) == {JET_TYPE.parse(pinned["type"])}


@pytest.mark.parametrize("name", PINNED)
def test_each_pinned_id_holds_its_types_card_metrics_beside_the_truth_floor(name, registry):
    entry = ENTRIES[name]
    front = parse_front_matter((hepzoo.locate(name) / "README.md").read_text())
    assert front["library_name"] == "hepzoo"
    metrics = card_metrics(front, entry["pinned_conditions"])
    assert set(metrics) == METRICS
    assert all(m["truth"] is not None and m["error"] > 0 for m in metrics.values())
    assert entry["metrics"] == metrics == hepzoo.info(name)["metrics"]


def test_each_familys_all_type_id_and_its_pinned_ids_share_one_set_of_files(registry):
    if not ENTRIES:
        pytest.skip("no PC-Droid model is published")
    for family in {entry["family"] for entry in ENTRIES.values()}:
        mine = [entry for entry in ENTRIES.values() if entry["family"] == family]
        assert len({str(entry["files"]) for entry in mine}) == 1, family
        assert sorted(entry["tag"] for entry in mine if entry.get("pinned_conditions")) == [
            f"jetnet150-{label}" for label in ("gluon", "quark", "top", "w", "z")], family
    assert len({str(entry["files"]) for entry in ENTRIES.values()}) == len({e["family"] for e in ENTRIES.values()})


@pytest.mark.slow  # a 10,000-jet Pythia reference and 2,000 tops at two cheap solver settings: minutes on a CPU
@pytest.mark.parametrize("name", [n for n in ENTRIES if not ENTRIES[n].get("pinned_conditions")])
def test_the_cards_fidelity_points_are_reproduced_on_held_out_tops(name, tmp_path, registry):
    """The card's cheapest time-vs-fidelity points (top jets, as `hepzoo release` measured them), redrawn
    from the published files and measured against a freshly made held-out reference."""
    pytest.importorskip("pythia8mc")
    import torch

    from hepzoo.data.datasets import make_dataset
    from hepzoo.evaluation import evaluate

    front = parse_front_matter((hepzoo.locate(name) / "README.md").read_text())
    table = front["hepzoo_fidelity"]
    assert table["cond"] == {"type": "top"} and table["metric"] == "w1m"
    rows = sorted(table["rows"], key=lambda row: row["steps"] * (2 if row["sampler"] == "heun" else 1))[:2]
    reference = make_dataset("jetnet150-top", 10_000, tmp_path / "test150-top.h5", seed=2, workers=2, progress=False)
    model = hepzoo.load(name)
    threads = torch.get_num_threads()
    measured_on = re.search(r"CPU \(.*\), (\d+) threads?", table["hardware"])
    if measured_on is None:
        pytest.skip(f"the card's fidelity points were timed on {table['hardware']}, not a CPU")
    torch.set_num_threads(int(measured_on.group(1)))  # as the card measured (float sums depend on the thread split)
    try:
        for row in rows:
            jets = model.sample(table["n"], cond={"type": "top"}, sampler=row["sampler"], steps=row["steps"],
                                seed=table["seed"], device="cpu", progress=False)
            result = evaluate(jets, reference, metrics=("w1m",), truth_split=False, seed=0)
            assert result["gen_vs_reference"]["w1m"]["value"] == pytest.approx(row["value"], rel=1e-3), row
    finally:
        torch.set_num_threads(threads)
