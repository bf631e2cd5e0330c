"""Conditional adherence: jets rebuilt from their constituents against the pT, mass and eta requested."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hepzoo.errors import InvalidDataError
from hepzoo.evaluation import conditional_adherence, constituent_jets
from hepzoo.representations import PointCloud
from hepzoo.samples import Samples
from hepzoo.testing import flat_result


def two_prong_jets():
    """Three jets of two massless constituents with known jet pT, eta and mass (padded to 4 slots).

    Back to back in phi at +-a with pT_rel 1/(2 cos a): jet pT = pt, mass = pt tan(a). At eta_rel
    +-b, phi 0 and pT_rel 1/2: jet pT = pt, mass = pt sinh(b), jet eta = the requested eta.
    """
    a, b = 0.1, 0.2
    x = np.zeros((3, 4, 3))
    x[0, :2] = [[0.0, a, 0.5 / math.cos(a)], [0.0, -a, 0.5 / math.cos(a)]]
    x[1, :2] = [[b, 0.0, 0.5], [-b, 0.0, 0.5]]
    x[2, :2] = [[b, 0.0, 0.5025], [-b, 0.0, 0.5025]]  # 0.5% more pT and mass than asked
    mask = np.zeros((3, 4), bool)
    mask[:, :2] = True
    pt = np.array([1000.0, 500.0, 800.0])
    eta = np.array([0.0, 1.3, -0.7])
    mass = np.array([1000.0 * math.tan(a), 500.0 * math.sinh(b), 800.0 * math.sinh(b)])
    return x, mask, pt, eta, mass


def test_constituent_jets_are_exact():
    x, mask, pt, eta, mass = two_prong_jets()
    jets = constituent_jets(x, mask, pt, eta)
    np.testing.assert_allclose(jets["pt"], pt * [1, 1, 1.005], rtol=1e-12)
    np.testing.assert_allclose(jets["mass"], mass * [1, 1, 1.005], rtol=1e-12)
    np.testing.assert_allclose(jets["eta"], np.arcsinh(np.sinh(eta) * [1, math.cosh(0.2), math.cosh(0.2)]),
                               atol=1e-12)


def test_adherence_reports_each_jets_residual():
    x, mask, pt, eta, mass = two_prong_jets()
    result = conditional_adherence((x, mask), pt=pt, mass=mass, eta=eta)
    assert result["n_jets"] == 3
    rel = result["pt"]["relative"]
    assert rel["within"] == {"0.3%": 2 / 3, "1.0%": 1.0, "5.0%": 1.0}
    assert rel["q05"] == pytest.approx(0.0, abs=1e-12) and rel["q95"] == pytest.approx(0.0045, abs=1e-9)
    assert rel["mean"] == pytest.approx(0.005 / 3, abs=1e-12)
    assert result["mass"]["relative"]["within"]["0.3%"] == pytest.approx(2 / 3)
    assert result["pt"]["difference_gev"]["q95"] == pytest.approx(0.9 * 4.0, abs=1e-6)
    shift = np.arcsinh(np.sinh(eta) * [1, math.cosh(0.2), math.cosh(0.2)]) - eta
    assert result["eta"]["difference"]["mean"] == pytest.approx(shift.mean(), abs=1e-12)
    json.dumps(result, allow_nan=False)


def test_samples_use_their_recorded_conditions_and_zero_mass_requests_count_in_gev_only():
    x, mask, pt, eta, mass = two_prong_jets()
    mass[0] = 0.0
    samples = Samples(x=x.astype(np.float32), representation=PointCloud(4), mask=mask,
                      cond={"pt": pt, "eta": eta, "mass": mass})
    result = conditional_adherence(samples)
    assert result["pt"]["requested_mean"] == pytest.approx(pt.mean())
    assert result["mass"]["relative"]["n_jets"] == 2
    assert result["mass"]["difference_gev"]["q95"] > 50  # jet 0 has ~100 GeV but asked for 0


def test_jets_without_a_requested_pt_are_refused():
    x, mask, *_ = two_prong_jets()
    with pytest.raises(InvalidDataError, match="requested jet pt"):
        conditional_adherence((x, mask))
    with pytest.raises(InvalidDataError, match="requested jet pt"):
        conditional_adherence((x, mask), pt=-1.0)
    with pytest.raises(InvalidDataError, match="mass is not finite"):
        conditional_adherence((x, mask), pt=1000.0, mass=[1.0, np.nan, 2.0])


def test_command_on_a_jet_file_writes_json(tmp_path, capsys):
    from hepzoo.cli.main import main
    from hepzoo.data import write_samples

    x, mask, pt, eta, mass = two_prong_jets()
    samples = Samples(x=x.astype(np.float32), representation=PointCloud(4), mask=mask,
                      cond={"pt": pt.astype(np.float32), "eta": eta.astype(np.float32),
                            "mass": mass.astype(np.float32), "n_particles": np.full(3, 2)})
    path = write_samples(samples, tmp_path / "jets.h5")
    assert main(["adherence", str(path), "-o", str(tmp_path / "adherence.json")]) == 0
    assert "within 0.3%" in capsys.readouterr().out
    result = json.loads((tmp_path / "adherence.json").read_text())
    assert result["n_jets"] == 3 and result["pt"]["relative"]["within"]["1.0%"] == 1.0
    assert main(["adherence", str(path), "--cond", "pt=1000"]) == 2
    assert "apply to a model only" in capsys.readouterr().err


def test_batches_are_measured_one_by_one_and_agree_with_all_jets_at_once(monkeypatch):
    import hepzoo.evaluation.adherence as adherence

    x, mask, pt, eta, mass = two_prong_jets()
    samples = Samples(x=x.astype(np.float32), representation=PointCloud(4), mask=mask,
                      cond={"pt": pt, "eta": eta, "mass": mass})
    whole = conditional_adherence(samples)
    sizes = []
    measure = adherence.constituent_jets
    monkeypatch.setattr(adherence, "constituent_jets", lambda x, *a: sizes.append(len(x)) or measure(x, *a))
    batched = conditional_adherence(iter([samples[:2], samples[2:]]))
    assert sizes == [2, 1]
    assert flat_result(batched) == pytest.approx(flat_result(whole))
    given = conditional_adherence(iter([samples[:1], samples[1:]]), pt=pt, mass=mass, eta=eta)  # per-jet values
    assert flat_result(given) == pytest.approx(flat_result(whole))


def test_per_jet_requests_of_the_wrong_length_are_one_line():
    x, mask, pt, *_ = two_prong_jets()
    with pytest.raises(InvalidDataError, match="pt has 2 values for at least 3 jets") as err:
        conditional_adherence((x, mask), pt=pt[:2])
    assert "\n" not in str(err.value)
    with pytest.raises(InvalidDataError, match="mass has 4 values for 3 jets"):
        conditional_adherence((x, mask), pt=pt, mass=np.ones(4))
