"""hepzoo.evaluation on jets: dispatch, both comparisons, metrics.json, plots, the printed table."""

from __future__ import annotations

import json
import re

import pytest

from hepzoo.data.jetnet_io import write_jetnet
from hepzoo.errors import InvalidDataError
from hepzoo.evaluation import evaluate, format_report, load_samples
from hepzoo.evaluation.jets import evaluate_jets
from hepzoo.representations.point_cloud import PointCloud
from hepzoo.samples import Samples
from hepzoo.testing.data import random_jets

FAST = dict(num_eval_samples=200, min_samples=50, max_samples=100, num_points=3, fpd_num_batches=2)
FAST.update(kpd_batch_size=60, kpd_num_batches=3, min_events=10)  # tiny samples, on purpose


def _samples(n=120, p=15, spread=0.1, seed=0):
    x, mask = random_jets(n, p, spread, seed)
    return Samples(x=x, representation=PointCloud(max_particles=p), mask=mask)


@pytest.mark.slow  # draws nine plots
def test_evaluate_files_writes_json_and_plots(tmp_path):
    gen = write_jetnet(tmp_path / "gen.h5", _samples(seed=1, spread=0.2))
    ref = write_jetnet(tmp_path / "ref.h5", _samples(seed=2))
    result = evaluate(gen, ref, tmp_path / "out", **FAST)
    assert set(result["gen_vs_reference"]) == {"w1m", "w1p", "w1efp", "fpd", "kpd"}
    assert len(result["gen_vs_reference"]["w1p"]["value"]) == 3
    assert len(result["truth_vs_truth"]["w1efp"]["value"]) == 5
    # a wider generator is further from the reference than the reference from itself
    assert result["gen_vs_reference"]["w1p"]["value"][0] > 3 * result["truth_vs_truth"]["w1p"]["value"][0]
    saved = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert saved["n_gen"] == 120 and saved["truth_split_size"] == 60
    assert (tmp_path / "out" / "jet_mass_rel.png").stat().st_size > 1000
    assert len(result["plots"]) == 9
    table = format_report(result)
    assert "w1m" in table and "truth vs truth" in table and "±" in table


def test_without_truth_split_or_output(tmp_path):
    result = evaluate_jets(_samples(), _samples(seed=3), metrics=("w1m",), truth_split=False, **FAST)
    assert list(result["gen_vs_reference"]) == ["w1m"] and "truth_vs_truth" not in result
    header, separator, row, *rest = format_report(result).splitlines()
    assert header.split() == ["metric", "gen", "vs", "reference", "truth", "vs", "truth"]
    assert set(separator.replace(" ", "")) == {"-"}
    cells = re.split(r"\s{2,}", row)
    w1m = result["gen_vs_reference"]["w1m"]
    assert cells == ["w1m", f"{w1m['value']:.4g} ± {w1m['error']:.2g}", "-"]  # no truth value: a dash
    assert w1m["value"] > 0 and w1m["error"] > 0
    assert rest == ["(n_gen=120, n_reference=120; truth vs truth = two disjoint halves of the reference)"]


def test_metrics_come_from_the_metrics_module():
    """Evaluation orchestrates; its numbers are exactly hepzoo.metrics' with the same settings."""
    from hepzoo.metrics import w1efp, w1m, w1p

    gen, ref = _samples(seed=1, spread=0.2), _samples(seed=2)
    result = evaluate_jets(gen, ref, metrics=("w1m", "w1p", "w1efp"), truth_split=False, seed=7, **FAST)
    g = result["gen_vs_reference"]
    assert g["w1m"]["value"] == w1m(ref, gen, 200, 5, seed=7)[0]
    assert g["w1p"]["value"] == w1p(ref, gen, True, 200, 5, seed=7)[0].tolist()
    assert g["w1efp"]["value"] == w1efp(ref, gen, 200, 5, seed=7)[0].tolist()


def test_bad_requests(tmp_path):
    with pytest.raises(InvalidDataError, match="unknown jet metrics"):
        evaluate_jets(_samples(), _samples(), metrics=("fpnd",))
    (tmp_path / "x.h5").write_bytes(b"")
    with pytest.raises(InvalidDataError):
        load_samples(tmp_path / "x.h5")
    with pytest.raises(InvalidDataError, match="does not exist"):
        evaluate(tmp_path / "missing.h5", _samples())
