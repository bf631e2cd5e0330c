"""hepzoo data merge: pieces made per seed become one file; mixed recipes and repeated seeds are refused."""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.data import merge_files, read_samples
from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo.representations import PointCloud
from hepzoo.samples import Samples
from hepzoo.testing.data import random_jets


def _piece(path, seed, n=30, p=12, **meta):
    x, mask = random_jets(n=n, p=p, seed=seed)
    cond = {"pt": np.full(n, 1000.0 + seed), "eta": np.zeros(n), "mass": np.full(n, 170.0)}
    recipe = {"generator": "test", "jet_type": "top", "seed": seed, **meta}
    Samples(x=x, representation=PointCloud(max_particles=p), mask=mask, cond=cond, meta=recipe).save(path)
    return x, mask


def test_merge_keeps_every_event_in_order_and_lists_the_parts(tmp_path):
    a = _piece(tmp_path / "a.h5", 1)
    b = _piece(tmp_path / "b.h5", 2, n=20)
    out = merge_files([tmp_path / "a.h5", tmp_path / "b.h5"], tmp_path / "ab.h5")
    merged = read_samples(out)
    np.testing.assert_array_equal(merged.x, np.concatenate([a[0], b[0]]))
    np.testing.assert_array_equal(merged.mask, np.concatenate([a[1], b[1]]))
    np.testing.assert_array_equal(merged.cond["pt"], np.r_[np.full(30, 1001.0), np.full(20, 1002.0)])
    assert [(p["file"], p["seed"], p["events"]) for p in merged.meta["parts"]] == [("a.h5", 1, 30), ("b.h5", 2, 20)]
    assert merged.meta["jet_type"] == "top" and "seed" not in merged.meta


def test_merge_refuses_mixed_recipes_repeated_seeds_and_overwriting_an_input(tmp_path):
    _piece(tmp_path / "a.h5", 1)
    _piece(tmp_path / "b.h5", 2, jet_type="gluon")
    _piece(tmp_path / "c.h5", 1)
    with pytest.raises(InvalidDataError, match="different 'jet_type'"):
        merge_files([tmp_path / "a.h5", tmp_path / "b.h5"], tmp_path / "x.h5")
    with pytest.raises(InvalidDataError, match="same seed"):
        merge_files([tmp_path / "a.h5", tmp_path / "c.h5"], tmp_path / "x.h5")
    with pytest.raises(ConfigError, match="one of the inputs"):
        merge_files([tmp_path / "a.h5", tmp_path / "c.h5"], tmp_path / "a.h5")
    with pytest.raises(ConfigError, match="at least two"):
        merge_files([tmp_path / "a.h5"], tmp_path / "x.h5")
    assert not (tmp_path / "x.h5").exists()


def test_merge_from_the_command_line(tmp_path, capsys):
    from hepzoo.cli.main import main

    _piece(tmp_path / "a.h5", 1)
    _piece(tmp_path / "b.h5", 2)
    assert main(["data", "merge", str(tmp_path / "a.h5"), str(tmp_path / "b.h5"), "-o", str(tmp_path / "m.h5")]) == 0
    assert len(read_samples(tmp_path / "m.h5")) == 60
    assert main(["data", "merge", str(tmp_path / "a.h5"), str(tmp_path / "a.h5"), "-o", str(tmp_path / "n.h5")]) == 2
    assert "given twice" in capsys.readouterr().err


def test_merge_refuses_parts_holding_the_same_events(tmp_path):
    _piece(tmp_path / "a.h5", 1)
    x, mask = random_jets(n=30, p=12, seed=1)  # the same events, recorded without a seed
    a = read_samples(tmp_path / "a.h5")
    Samples(x=x, representation=a.representation, mask=mask, cond=a.cond,
            meta={"generator": "test", "jet_type": "top", "note": "a copy"}).save(tmp_path / "copy.h5")
    with pytest.raises(InvalidDataError, match="copy.h5 holds the same events as .*a.h5"):
        merge_files([tmp_path / "a.h5", tmp_path / "copy.h5"], tmp_path / "x.h5")


def test_merge_of_other_representations_names_them_briefly(tmp_path):
    _piece(tmp_path / "a.h5", 1)
    _piece(tmp_path / "b.h5", 2, p=20)
    with pytest.raises(InvalidDataError, match=r"point_cloud \(max_particles=20\) events, .* point_cloud "
                       r"\(max_particles=12\); merge like with like$"):
        merge_files([tmp_path / "a.h5", tmp_path / "b.h5"], tmp_path / "x.h5")
