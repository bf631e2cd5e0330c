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


def _jet_file(path):
    from hepzoo.data import write_samples

    x, mask, pt, eta, mass = two_prong_jets()
    samples = Samples(x=x.astype(np.float32), representation=PointCloud(4), mask=mask,
                      cond={"pt": pt.astype(np.float32), "eta": eta.astype(np.float32),
                            "mass": mass.astype(np.float32), "n_particles": np.full(3, 2)})
    return write_samples(samples, path)


def test_a_jet_file_is_read_in_batches_with_the_result_of_reading_it_whole(tmp_path, monkeypatch, capsys):
    import hepzoo.evaluation.adherence as adherence
    from hepzoo.cli.main import main
    from hepzoo.data import read_samples

    path = _jet_file(tmp_path / "jets.h5")
    whole = conditional_adherence(read_samples(path))
    sizes = []
    measure = adherence.constituent_jets
    monkeypatch.setattr(adherence, "constituent_jets", lambda x, *a: sizes.append(len(x)) or measure(x, *a))

    def no_whole_read(*args, **kwargs):
        raise AssertionError("the jet file was read whole")

    monkeypatch.setattr("hepzoo.data.jetnet_io.read_jetnet", no_whole_read)
    monkeypatch.setattr("hepzoo.data.formats.read_samples", no_whole_read)
    assert main(["adherence", str(path), "--batch-size", "2", "-o", str(tmp_path / "a.json")]) == 0
    assert sizes == [2, 1]
    result = json.loads((tmp_path / "a.json").read_text())
    assert result.pop("source") == {"file": str(path)}
    assert flat_result(result) == pytest.approx(flat_result(whole))
    assert main(["adherence", str(path), "--batch-size", "0"]) == 2
    assert "--batch-size must be a positive integer" in capsys.readouterr().err


@pytest.fixture
def nothing_measured(monkeypatch):
    """Fail the test if a jet is generated or read: a bad -o must be refused first."""
    import hepzoo.data.jetnet_io as jetnet_io
    import hepzoo.model as model

    def fail(*args, **kwargs):
        raise AssertionError("jets were drawn or read before -o was checked")

    monkeypatch.setattr(model.Model, "sample_batches", fail)
    monkeypatch.setattr(jetnet_io, "read_jetnet_batches", fail)
    monkeypatch.setattr("hepzoo.load", fail)


@pytest.mark.parametrize("source", ["model", "file"])
def test_a_bad_output_is_refused_before_any_jet_is_drawn_or_read(tmp_path, capsys, nothing_measured, source):
    from hepzoo.cli.main import main

    jets = _jet_file(tmp_path / "jets.h5")
    given = "pc-droid-cae/jetnet150-top" if source == "model" else str(jets)
    (tmp_path / "folder").mkdir()
    (tmp_path / "a-file").write_text("kept")
    for output, problem in [
        (tmp_path / "folder", "is a folder; give a file name"),
        (tmp_path / "a-file" / "r.json", "a-file is a file, not a folder"),
        (tmp_path / "result.h5", "would hold a JSON file under a .h5 suffix; name it result.json"),
        (jets, "would hold a JSON file under a .h5 suffix"),
        ("", "-o is empty"),
        ("/proc/hepzoo-cannot-write.json", "cannot write /proc/hepzoo-cannot-write.json"),
    ]:
        assert main(["adherence", given, "-o", str(output)]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and problem in err, err
    assert (tmp_path / "a-file").read_text() == "kept"
    assert not list((tmp_path).glob(".*partial"))  # the writability probe leaves nothing behind


def test_the_jet_file_itself_is_never_the_output(tmp_path, capsys):
    from hepzoo.cli.main import main

    jets = _jet_file(tmp_path / "jets.h5").rename(tmp_path / "jets.json")  # an HDF5 file under a .json name
    before = jets.read_bytes()
    assert main(["adherence", str(jets), "-o", str(jets)]) == 2
    assert "is the jet file being measured" in capsys.readouterr().err
    assert jets.read_bytes() == before
