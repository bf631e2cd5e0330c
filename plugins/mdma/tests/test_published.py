"""The published MDMA models in registry/: every id loads by name (sha256-verified), samples real jets,
carries its card's metrics beside the truth floor, and the card's W1M is reproduced on held-out tops."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

import hepzoo
from hepzoo.hub.card import parse_front_matter
from hepzoo_mdma.pretrained import PRETRAINED

ENTRIES = {f"{entry['family']}/{entry['tag']}": entry for entry in PRETRAINED}
METRICS = {"w1m", "w1p", "w1efp", "fpd", "kpd"}


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_loads_by_name_and_samples_real_jets(name, registry):
    few_steps = {"steps": 4} if ENTRIES[name]["family"] == "mdma-fm" else {}  # the shape, not the fidelity
    jets = hepzoo.load(name).sample(64, seed=1, progress=False, **few_steps)
    assert jets.x.shape == (64, 150, 3)
    np.testing.assert_array_equal(jets.mask.sum(1), jets.cond["n_particles"])
    assert (jets.x[~jets.mask] == 0).all() and np.isfinite(jets.x).all()
    assert (jets.x[..., 2][jets.mask] >= 0).all()  # pt_rel of real constituents is never negative


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_card_holds_the_metrics_beside_the_truth_floor(name, registry):
    front = parse_front_matter((hepzoo.locate(name) / "README.md").read_text())
    assert front["library_name"] == "hepzoo"
    metrics = front["hepzoo_metrics"]
    assert set(metrics) == METRICS
    assert all(m["truth"] is not None and m["error"] > 0 for m in metrics.values())
    assert ENTRIES[name]["metrics"] == metrics == hepzoo.info(name)["metrics"]


def _held_out_tops(tmp_path):
    pytest.importorskip("pythia8mc")
    from hepzoo.data.datasets import make_dataset

    return make_dataset("jetnet150-top", 10_000, tmp_path / "test150-top.h5", seed=2, workers=2, progress=False)


def _w1m(jets, reference) -> float:
    from hepzoo.evaluation import evaluate

    return evaluate(jets, reference, metrics=("w1m",), truth_split=False, seed=0)["gen_vs_reference"]["w1m"]["value"]


@contextlib.contextmanager
def _one_thread():
    """The cards were sampled on one thread (float sums depend on the thread split)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.mark.slow  # a 10,000-jet Pythia reference (about a minute on two cores), then cheap sampling
def test_the_cards_w1m_or_cheapest_fidelity_point_is_reproduced_on_held_out_tops(tmp_path, registry):
    """The GAN's card W1M (10,000 jets, one network call) and, for a flow-matching id, its card's cheapest
    time-vs-fidelity point (its full-fidelity 10,000 jets cost minutes of ODE solving), redrawn from the
    published files against a freshly made held-out reference, as the cards' commands say."""
    if not ENTRIES:
        pytest.skip("no MDMA model is published")
    reference = _held_out_tops(tmp_path)
    for name in sorted(ENTRIES):
        front = parse_front_matter((hepzoo.locate(name) / "README.md").read_text())
        assert "hepzoo data make jetnet150-top -n 10000 --seed 2 " in (hepzoo.locate(name) / "README.md").read_text()
        model = hepzoo.load(name)
        with _one_thread():
            if "hepzoo_fidelity" in front:
                table = front["hepzoo_fidelity"]
                row = min(table["rows"], key=lambda r: r["steps"])
                jets = model.sample(table["n"], sampler=row["sampler"], steps=row["steps"], seed=table["seed"],
                                    device="cpu", progress=False)
                card = row
            else:
                jets = model.sample(10_000, seed=1, device="cpu", progress=False)
                card = front["hepzoo_metrics"]["w1m"]
        assert _w1m(jets, reference) == pytest.approx(card["value"], rel=1e-6), name  # one thread: the same jets
