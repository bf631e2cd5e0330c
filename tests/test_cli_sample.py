"""hepzoo sample: the output is checked before any sampling, bad -n/--device/--seed are one line, batches stream."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from hepzoo.cli.main import main


@pytest.fixture
def folder(tabular_model, tmp_path):
    return tabular_model.save_pretrained(tmp_path / "m")


@pytest.fixture
def no_sampling(monkeypatch):
    """Fail the test if any event is generated: the refusal must come first."""
    from hepzoo.testing.families import TabularEDM

    def fail(*args, **kwargs):
        raise AssertionError("events were generated before the output was checked")

    monkeypatch.setattr(TabularEDM, "generate_batch", fail)


def _refused(capsys, argv, problem):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and problem in err, err


def test_output_checked_before_sampling(folder, tmp_path, capsys, no_sampling):
    sample = ["sample", f"local-dir:{folder}", "-n", "5", "-q", "-o"]
    (tmp_path / "existing").mkdir()
    _refused(capsys, [*sample, str(tmp_path / "existing")], "is a folder; give a file name")
    _refused(capsys, [*sample, ""], "-o is empty")
    (tmp_path / "a-file").write_text("x")
    _refused(capsys, [*sample, str(tmp_path / "a-file" / "x.h5")], "cannot write")
    _refused(capsys, [*sample, "/proc/hepzoo-cannot-write.h5"], "cannot write /proc/hepzoo-cannot-write.h5")
    assert (tmp_path / "a-file").read_text() == "x"


def test_device_and_seed_are_checked(folder, tmp_path, capsys, no_sampling):
    sample = ["sample", f"local-dir:{folder}", "-n", "5", "-q", "-o", str(tmp_path / "x.h5")]
    _refused(capsys, [*sample, "--device", "meta"], "device 'meta' cannot run a model")
    _refused(capsys, [*sample, "--seed", "99999999999999999999999"], "seed must be an integer from 0 to 2^63-1")
    _refused(capsys, [*sample, "--seed", "-1"], "seed must be an integer from 0 to 2^63-1")
    assert not (tmp_path / "x.h5").exists()


def test_too_many_events_for_memory(registry, tmp_path, capsys, monkeypatch):
    import hepzoo.model
    from hepzoo.testing.families import ToyConditionalFlow

    model = ToyConditionalFlow.from_config(ToyConditionalFlow.config_cls())
    monkeypatch.setattr(hepzoo.model, "_available_memory", lambda: 10**9)
    with pytest.raises(hepzoo.errors.ConfigError, match="-n 99999999999 events need about 12,800 GB of memory"):
        next(model.sample_batches(99_999_999_999))


def test_too_many_events_for_the_disk(folder, tmp_path, capsys, monkeypatch):
    import hepzoo.cli.main as cli

    monkeypatch.setattr(cli.shutil, "disk_usage", lambda p: type("U", (), {"free": 10**6})())
    _refused(capsys, ["sample", f"local-dir:{folder}", "-n", "99999999999", "-q", "-o", str(tmp_path / "x.h5"),
                      "--batch-size", "3", "--steps", "1", "--sampler", "euler"], "-n 99999999999 events take about")
    assert list(tmp_path.glob("*x.h5*")) == []


def test_batches_give_the_same_events_and_file(tabular_model, tmp_path):
    from hepzoo.data.formats import write_samples
    from hepzoo.data.tabular_io import read_tabular

    whole = tabular_model.sample(23, seed=3, batch_size=5, steps=3, sampler="euler")
    parts = list(tabular_model.sample_batches(23, seed=3, batch_size=5, steps=3, sampler="euler"))
    assert [len(p) for p in parts] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.concatenate([p.x for p in parts]), whole.x)
    streamed = write_samples(iter(parts), tmp_path / "s.h5", representation=tabular_model.representation)
    np.testing.assert_array_equal(read_tabular(streamed).x, whole.x)
    with h5py.File(streamed) as f:
        assert f["table"].shape == (23, 2) and f["metadata"].attrs["batch_size"] == 5


def test_the_disk_check_counts_compressed_bytes(tmp_path, monkeypatch):
    """Padded jets compress several-fold: a run that fits once compressed is not refused."""
    import hepzoo.cli.main as cli
    from hepzoo.errors import OutputError
    from hepzoo.representations import PointCloud
    from hepzoo.samples import Samples
    from hepzoo.testing.data import random_jets

    x, mask = random_jets(n=200, p=150, seed=0, min_particles=3)
    x = x.round(2)  # a sampler's output is smooth, not noise in every bit
    first = Samples(x=x, representation=PointCloud(max_particles=150), mask=mask)
    raw = sum(np.asarray(a).nbytes for a in first.numpy().values()) / len(first)
    n = 10**6
    monkeypatch.setattr(cli.shutil, "disk_usage", lambda p: type("U", (), {"free": int(raw * n / 2)})())
    cli._check_disk(str(tmp_path / "jets.h5"), n, first)  # was refused: raw bytes exceed the free space
    monkeypatch.setattr(cli.shutil, "disk_usage", lambda p: type("U", (), {"free": int(raw * n / 100)})())
    with pytest.raises(OutputError, match="as the file stores them"):
        cli._check_disk(str(tmp_path / "jets.h5"), n, first)


def test_a_suffix_other_than_h5_is_refused_before_sampling(folder, tmp_path, capsys, no_sampling):
    sample = ["sample", f"local-dir:{folder}", "-n", "5", "-q", "-o"]
    _refused(capsys, [*sample, str(tmp_path / "out.csv")], "under a .csv suffix; name it out.h5")
    _refused(capsys, [*sample, str(tmp_path / "out")], "missing suffix")


def test_a_dangling_link_as_output_names_the_missing_folder_not_the_disk(folder, tmp_path, capsys):
    link = tmp_path / "dangling.h5"
    link.symlink_to(tmp_path / "gone" / "x.h5")
    _refused(capsys, ["sample", f"local-dir:{folder}", "-n", "5", "-q", "-o", str(link)], "does not exist")
    assert "free some space" not in capsys.readouterr().err
