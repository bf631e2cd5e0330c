"""Evaluation refuses what no metric should score: broken, degenerate or too-small samples; strict JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hepzoo.cli.main import main
from hepzoo.data.jetnet_io import write_jetnet
from hepzoo.errors import InvalidDataError
from hepzoo.evaluation import evaluate, write_metrics_json
from hepzoo.evaluation.checks import MIN_JET_EVENTS, check_jets
from hepzoo.representations.point_cloud import PointCloud
from hepzoo.samples import Samples
from hepzoo.testing.data import random_jets


def _jets(n, p=10, seed=0):
    x, mask = random_jets(n, p, 0.1, seed)
    return Samples(x=x, representation=PointCloud(max_particles=p), mask=mask)


def _file(tmp_path, name, samples):
    return str(write_jetnet(tmp_path / name, samples))


@pytest.fixture
def reference_must_not_be_read(monkeypatch):
    import hepzoo.cli.main as cli

    def fail(spec):
        raise AssertionError("the reference was read before the generated file was checked")

    monkeypatch.setattr(cli, "_reference", fail)


@pytest.fixture
def metrics_must_not_run(monkeypatch):
    import hepzoo.evaluation as evaluation

    def fail(*args, **kwargs):
        raise AssertionError("the metrics were computed before the generated file was refused")

    monkeypatch.setattr(evaluation, "evaluate", fail)


def _refused(capsys, argv, problem):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and problem in err, err


def test_jets_without_particles_are_refused(tmp_path, capsys, reference_must_not_be_read):
    empty = _jets(600)
    empty.x[:] = 0
    empty.mask[:] = False
    gen = _file(tmp_path, "empty.h5", empty)
    _refused(capsys, ["evaluate", gen, "--reference", "x"], "every one of the 600 generated jets has 0 particles")


def test_absurd_and_non_finite_values_are_refused(tmp_path, capsys, reference_must_not_be_read):
    jets = _jets(600)
    jets.x[3, 0, 0] = 1e30
    with np.errstate(all="ignore"):  # the file's relative jet features overflow, as they would for a user
        gen = _file(tmp_path, "far.h5", jets)
    _refused(capsys, ["evaluate", gen, "--reference", "x"], "eta_rel = 1e+30 (jet 3, particle 0)")
    with pytest.raises(InvalidDataError, match="NaN/inf particle values"):
        check_jets(type("J", (), {"x": np.full((600, 2, 3), np.inf), "mask": np.ones((600, 2), bool)})())


def test_a_one_event_file_is_refused_at_once(tmp_path, capsys, reference_must_not_be_read, metrics_must_not_run):
    gen = _file(tmp_path, "one.h5", _jets(1))
    _refused(capsys, ["evaluate", gen, "--reference", "x"], "the generated sample has 1 jets; FPD needs")


def test_minimum_sizes_per_metric_and_for_the_truth_halves():
    n_fpd = MIN_JET_EVENTS["fpd"]
    with pytest.raises(InvalidDataError, match=f"has 10 jets; FPD needs at least {n_fpd}"):
        check_jets(_jets(10), "generated")
    check_jets(_jets(n_fpd), "generated")
    check_jets(_jets(MIN_JET_EVENTS["w1m"]), "generated", metrics=("w1m",))
    with pytest.raises(InvalidDataError, match=f"at least {2 * n_fpd} \\(truth vs truth compares two halves"):
        check_jets(_jets(n_fpd), "reference")
    check_jets(_jets(n_fpd), "reference", truth_split=False)
    with pytest.raises(InvalidDataError, match="has 10 jets"):  # the Python API refuses too
        evaluate(_jets(10), _jets(2000))


@pytest.mark.parametrize("value", ["-3", "0"])
def test_max_events_must_be_positive(tmp_path, capsys, value, metrics_must_not_run):
    gen = _file(tmp_path, "g.h5", _jets(20))
    _refused(capsys, ["evaluate", gen, "--reference", gen, "--max-events", value],
             f"--max-events must be a positive integer, got {value}")


def test_metrics_json_is_strict(tmp_path):
    result = {"gen_vs_reference": {"w1p": {"value": [0.1, float("inf"), 0.2], "error": [0, 0, 0]}}}
    with pytest.raises(InvalidDataError, match=r"gen_vs_reference\.w1p\.value\.1 is not a finite number"):
        write_metrics_json(result, tmp_path / "metrics.json")
    assert not (tmp_path / "metrics.json").exists()
    result["gen_vs_reference"]["w1p"]["value"][1] = np.float32(0.3)
    write_metrics_json(result, tmp_path / "metrics.json")
    assert json.loads((tmp_path / "metrics.json").read_text())["gen_vs_reference"]["w1p"]["value"][1] == 0.30000001192092896


def test_a_metric_that_cannot_be_computed_is_refused(monkeypatch):
    from hepzoo.evaluation import jets as evaluation

    monkeypatch.setattr(evaluation.jet_metrics, "w1m", lambda *a, **k: (float("nan"), 0.0))
    with pytest.raises(InvalidDataError, match="w1m could not be computed"):
        evaluation.evaluate_jets(_jets(200), _jets(200), metrics=("w1m",), truth_split=False, num_eval_samples=50)


def test_fpd_needs_three_points_for_its_error():
    from hepzoo.evaluation.jets import evaluate_jets
    from hepzoo.evaluation.showers import evaluate_showers

    with pytest.raises(InvalidDataError, match="num_points must be at least 3"):
        evaluate_jets(_jets(200), _jets(200), num_points=2, min_events=10)
    with pytest.raises(InvalidDataError, match="fpd_num_points must be at least 3"):
        evaluate_showers(None, None, fpd_num_points=2)


@pytest.mark.parametrize("via_cli", [False, True])
def test_each_sample_is_checked_once(tmp_path, monkeypatch, via_cli):
    import hepzoo.evaluation.checks as checks
    import hepzoo.evaluation.jets as jets

    seen = []
    real = checks.check_jets

    def counting(samples, what="generated", *args, **kwargs):
        seen.append(what)
        return real(samples, what, *args, **kwargs)

    monkeypatch.setattr(checks, "check_jets", counting)
    monkeypatch.setattr(jets, "check_jets", counting)
    stub = {"value": 0.0, "error": 0.0}
    monkeypatch.setattr(jets, "_metric", lambda *args: stub)  # the checks are what is counted, not the metrics
    n = max(MIN_JET_EVENTS.values())
    gen, ref = _jets(n, seed=1), _jets(2 * n, seed=2)
    if via_cli:
        assert main(["evaluate", _file(tmp_path, "g.h5", gen), "--reference", _file(tmp_path, "r.h5", ref)]) == 0
    else:
        evaluate(gen, ref, metrics=("w1m",))
    assert sorted(seen) == ["generated", "reference"]


def test_mostly_empty_jets_are_refused_and_only_filled_jets_count(tmp_path):
    from hepzoo.evaluation.checks import MAX_EMPTY_FRACTION

    jets = _jets(600)
    jets.x[1:] = 0
    jets.mask[1:] = False
    with pytest.raises(InvalidDataError, match="599 of the 600 generated jets have 0 particles"):
        check_jets(jets, "generated", ("w1m",), min_events=10)
    jets = _jets(600)
    empty = int(600 * MAX_EMPTY_FRACTION)  # half empty: allowed, but only 300 jets count
    jets.x[:empty] = 0
    jets.mask[:empty] = False
    with pytest.raises(InvalidDataError, match="has 300 jets with particles; FPD needs at least 500"):
        check_jets(jets, "generated", ("fpd",))


def test_an_output_that_is_a_file_is_refused_before_any_sample_is_read(tmp_path, capsys, monkeypatch):
    import hepzoo.evaluation as evaluation

    def fail(obj):
        raise AssertionError("a sample was read before -o was checked")

    monkeypatch.setattr(evaluation, "load_samples", fail)
    (tmp_path / "afile").write_text("")
    _refused(capsys, ["evaluate", "gen.h5", "--reference", "x", "-o", str(tmp_path / "afile")], "is a file")
    with pytest.raises(Exception, match="is a file"):
        evaluate("gen.h5", "x", output_dir=tmp_path / "afile" / "sub")


def test_negative_pt_rel_and_identical_jets_are_refused():
    jets = _jets(600)
    jets.x[5, 0, 2] = -0.2
    with pytest.raises(InvalidDataError, match="negative pt_rel .*jet 5, particle 0"):
        check_jets(jets, "generated", min_events=10)
    jets = _jets(600)
    jets.x[:] = jets.x[0]
    jets.mask[:] = jets.mask[0]
    with pytest.raises(InvalidDataError, match="all 600 generated jets are identical"):
        check_jets(jets, "generated", min_events=10)


def test_samples_of_other_max_particles_are_not_compared(tmp_path):
    with pytest.raises(InvalidDataError, match="up to 10 particles and the reference up to 30.*like with like"):
        evaluate(_jets(600, p=10), _jets(1200, p=30, seed=1), min_events=10)
