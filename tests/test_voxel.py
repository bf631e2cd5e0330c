"""Voxel representation and CaloChallenge geometries."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hepzoo import config
from hepzoo.data.showers.geometry import Geometry, geometry_for_voxels, write_binning
from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo.representations.voxel import Voxel


@pytest.mark.parametrize(
    "name, n_voxels, layers",
    [
        ("ds1-photons", 368, (0, 1, 2, 3, 12)),
        ("ds1-pions", 533, (0, 1, 2, 3, 12, 13, 14)),
        ("ds2", 6480, tuple(range(45))),
        ("ds3", 40500, tuple(range(45))),
    ],
)
def test_voxel_counts_and_layers(name, n_voxels, layers):
    v = Voxel.from_geometry(name)
    assert v.n_voxels == n_voxels == len(v.eta) == len(v.voxel_layer)
    assert v.layer_ids == layers
    assert geometry_for_voxels(n_voxels) == name


def test_ds1_irregular_layers():
    v = Voxel.from_geometry("ds1-photons")
    assert v.voxels_per_layer == (8, 160, 190, 5, 5)
    assert v.alpha_binned == (1, 2)
    assert not v.is_regular
    with pytest.raises(ConfigError, match="irregular"):
        v.grid_shape  # noqa: B018


def test_index_order_is_layer_alpha_r():
    v = Voxel.from_geometry("ds2")
    assert v.grid_shape == (45, 16, 9)
    flat = np.zeros((1, v.n_voxels))
    flat[0, 2 * 144 + 3 * 9 + 5] = 1.0  # layer 2, alpha bin 3, r bin 5
    assert np.argwhere(v.grid(flat)[0])[0].tolist() == [2, 3, 5]
    idx = 2 * 144 + 3 * 9 + 5
    assert v.voxel_layer[idx] == 2
    assert v.r_centres[idx] == pytest.approx(4.65 * 5.5)


def test_coordinates_follow_xmlhandler():
    v = Voxel.from_geometry("ds2")
    a_edges = np.linspace(-np.pi, np.pi, 17)
    assert v.alpha_centres[:9] == pytest.approx(np.full(9, 0.5 * (a_edges[0] + a_edges[1])))
    assert v.alpha_centres[9] == pytest.approx(0.5 * (a_edges[1] + a_edges[2]))
    assert v.eta == pytest.approx(v.r_centres * np.cos(v.alpha_centres))
    assert v.phi == pytest.approx(v.r_centres * np.sin(v.alpha_centres))
    # a single-alpha-bin layer sits at alpha = 0
    p = Voxel.from_geometry("ds1-pions")
    assert p.alpha_centres[p.layer_slice(0)] == pytest.approx(0.0)


def test_config_round_trip_through_json():
    v = Voxel.from_geometry("ds1-pions")
    data = json.loads(json.dumps(config.unstructure(v)))
    assert config.structure(data, Voxel) == v


def test_xml_round_trip(tmp_path):
    v = Voxel.from_geometry("ds1-photons")
    path = write_binning(tmp_path / "b.xml", v)
    w = Voxel.from_geometry(path)
    assert (w.layer_ids, w.r_edges, w.n_alpha) == (v.layer_ids, v.r_edges, v.n_alpha)
    assert Voxel.from_geometry(Geometry.named("ds3")).n_voxels == 40500


def test_unknown_geometry_names_choices():
    with pytest.raises(ConfigError, match="ds2"):
        Voxel.from_geometry("ds4")
    with pytest.raises(ConfigError, match="40500"):
        geometry_for_voxels(100)


def test_validation():
    v = Voxel.from_geometry("ds1-photons")
    v.validate(np.zeros((3, 368), np.float32))
    with pytest.raises(InvalidDataError, match=r"\[N, 368\]"):
        v.validate(np.zeros((3, 367)))
    x = np.zeros((3, 368))
    x[1, 4] = np.nan
    with pytest.raises(InvalidDataError, match="non-finite"):
        v.validate(x)
    x[1, 4] = -1.0
    with pytest.raises(InvalidDataError, match="negative"):
        v.validate(x)
    with pytest.raises(InvalidDataError, match="mask"):
        v.validate(np.zeros((3, 368)), np.ones((3, 368), bool))
