"""hepzoo.evaluation on jets: dispatch, both comparisons, metrics.json, plots, the printed table."""

from __future__ import annotations

import json
import re

import numpy as np
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


# hepzoo evaluate's numbers before the batched EFPs and counted resamples (one scipy W1 per resample)
_BEFORE = {
    "gen_vs_reference": {
        "w1m": (0.013488715786344332, 0.004432118442124907),
        "w1p": (
            [0.025238608962625458, 0.026986723591347666, 0.003536310585609312],
            [0.0011057542590749841, 0.0008145396447707523, 0.0012734388295451214],
        ),
        "w1efp": (
            [
                0.00017344106859380157,
                0.00015392440826160993,
                0.00015965918245938417,
                0.00010850195606142542,
                0.00012145056180935237,
            ],
            [
                4.759249655694838e-05,
                4.3888460756571274e-05,
                4.5407545027168e-05,
                3.0199982543724648e-05,
                3.455479279284673e-05,
            ],
        ),
        "fpd": (8.126869953087396e-18, 0.23028891712747443),
        "kpd": (0.0023327623116657925, 0.0016481426302601813),
    },
    "truth_vs_truth": {
        "w1m": (0.005144164291070008, 0.0011658909651823045),
        "w1p": (
            [0.007028835703688628, 0.006272655574732988, 0.0027762069417118914],
            [0.0027123162462212853, 0.0007089341524033791, 0.0003538892979759392],
        ),
        "w1efp": (
            [
                7.568077116858311e-05,
                6.5524762750334e-05,
                6.855416964994276e-05,
                4.8385161722880915e-05,
                5.1973807425536254e-05,
            ],
            [
                4.314146350170517e-05,
                3.007664042371568e-05,
                3.328598297218092e-05,
                1.6579799959214137e-05,
                2.136329477923931e-05,
            ],
        ),
        "fpd": (0.21358731793824337, 0.2126497554286872),
        "kpd": (0.001316017377941181, 0.011266892092151263),
    },
}


def test_numbers_equal_the_per_resample_path():
    """W1s and KPD to 1e-12; FPD to its fit's own tolerance (curve_fit stops at ftol = 1e-8)."""
    x, m = random_jets(150, 15, 0.13, 21)
    y, n = random_jets(160, 15, 0.1, 22)
    fast = dict(num_eval_samples=300, min_samples=60, max_samples=120, num_points=3, fpd_num_batches=3)
    fast.update(kpd_batch_size=80, kpd_num_batches=4, min_events=10)  # tiny samples, on purpose
    gen = Samples(x=x, representation=PointCloud(max_particles=15), mask=m)
    ref = Samples(x=y, representation=PointCloud(max_particles=15), mask=n)
    result = evaluate_jets(gen, ref, seed=5, **fast)
    for part, before in _BEFORE.items():
        for name, (value, error) in before.items():
            now = result[part][name]
            rtol, atol = (1e-7, 1e-12) if name == "fpd" else (1e-12, 0)
            np.testing.assert_allclose(now["value"], value, rtol=rtol, atol=atol, err_msg=f"{part} {name}")
            np.testing.assert_allclose(now["error"], error, rtol=rtol, atol=atol, err_msg=f"{part} {name}")


def test_progress_names_each_step(capsys):
    gen, ref = _samples(seed=1, spread=0.2), _samples(seed=2)
    evaluate_jets(gen, ref, progress=True, **FAST)
    err = capsys.readouterr().err
    steps = ["features (reference)", "features (generated)"]
    steps += [f"{m} ({part})" for m in ("w1m", "w1p", "w1efp", "fpd", "kpd") for part in ("gen vs reference", "truth floor")]
    assert "evaluating jets" in err and [s for s in steps if f"{s} done" not in err] == []
    evaluate_jets(gen, ref, **FAST)  # the API is quiet unless asked
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("quiet", [False, True])
def test_cli_shows_progress_unless_quiet(tmp_path, capsys, monkeypatch, quiet):
    import hepzoo.evaluation.jets as jets
    from hepzoo.cli.main import main

    monkeypatch.setattr(jets, "_metric", lambda *args: {"value": 1.0, "error": 0.0})  # the bar is tested here
    gen = write_jetnet(tmp_path / "gen.h5", _samples(n=500, seed=1, spread=0.2))
    ref = write_jetnet(tmp_path / "ref.h5", _samples(n=1000, seed=2))
    assert main(["evaluate", str(gen), "--reference", str(ref)] + ["-q"] * quiet) == 0
    err = capsys.readouterr().err
    assert ("kpd (truth floor) done" in err) is not quiet and ("evaluating jets" in err) is not quiet


def test_parallel_steps_leave_torch_threads_and_numbers_as_they_were():
    import torch

    from hepzoo.metrics import fpd, kpd

    gen, ref = _samples(seed=1, spread=0.2), _samples(seed=2)
    before = torch.get_num_threads()
    result = evaluate_jets(gen, ref, metrics=("fpd", "kpd"), truth_split=False, **FAST)
    assert torch.get_num_threads() == before
    fast = {k: FAST[k] for k in ("min_samples", "max_samples", "num_points")}
    assert result["gen_vs_reference"]["fpd"]["value"] == fpd(ref, gen, num_batches=2, **fast)[0]
    assert result["gen_vs_reference"]["kpd"]["value"] == kpd(ref, gen, num_batches=3, batch_size=60)[0]
    assert set(result["seconds_by_step"]) == {"features_reference", "features_generated",
                                              "gen_vs_reference.fpd", "gen_vs_reference.kpd"}


def test_plot_process_failure_is_one_line(tmp_path):
    from hepzoo.errors import OutputError
    from hepzoo.evaluation.plot_process import PlotProcess

    drawer = PlotProcess()
    values = np.linspace(0.0, 1.0, 50)
    drawer.draw([{"path": tmp_path / "x.png", "reference": values, "gen": values, "xlabel": r"$\notacommand$"}])
    with pytest.raises(OutputError, match=r"the plots could not be drawn \(.*\); metrics.json is not written") as err:
        drawer.wait()
    assert "\n" not in str(err.value) and list(tmp_path.iterdir()) == []


def test_a_failed_evaluation_leaves_no_plots(tmp_path, monkeypatch):
    from hepzoo.evaluation import jets

    monkeypatch.setattr(jets.jet_metrics, "kpd", lambda *a, **k: (float("nan"), 0.0))
    with pytest.raises(InvalidDataError, match="kpd could not be computed"):
        evaluate_jets(_samples(seed=1, spread=0.2), _samples(seed=2), tmp_path / "out", **FAST)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_efps_are_computed_once_per_sample(tmp_path, monkeypatch):
    """Both comparisons, the truth halves and the plots share each sample's 36 EFPs."""
    import hepzoo.metrics.jets as jet_metrics

    calls = []
    real_efps = jet_metrics.efps

    def counting(x, mask=None, indices=None, **kwargs):
        calls.append((len(x), indices))
        return real_efps(x, mask, indices=indices, **kwargs)

    monkeypatch.setattr(jet_metrics, "efps", counting)
    evaluate_jets(_samples(seed=1, spread=0.2), _samples(n=150, seed=2), tmp_path / "out", **FAST)
    assert sorted(calls) == [(120, None), (150, None)]
