"""The syntax of ``hepzoo release``'s per-value references and time-vs-fidelity points, checked before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from hepzoo.errors import ConfigError
from hepzoo.hub.condition_release import ConditionReference, parse_references, pinned_folder
from hepzoo.hub.fidelity import FidelityPoint, parse_fidelity


def test_a_plain_file_stays_the_single_reference(tmp_path):
    odd = tmp_path / "type=top:odd.h5"  # an existing file is a file, whatever its name
    odd.write_bytes(b"")
    assert parse_references(["ref.h5"]) == "ref.h5"
    assert parse_references([str(odd)]) == str(odd)


def test_per_value_references_keep_their_order_and_paths():
    refs = parse_references(["type=top:data/test-top.h5", "type=g:C:/jets/gluon.h5"])
    assert refs == [ConditionReference("type", "top", Path("data/test-top.h5")),
                    ConditionReference("type", "g", Path("C:/jets/gluon.h5"))]


@pytest.mark.parametrize(("items", "said"), [
    (["a.h5", "b.h5"], "one file for every event"),
    (["a.h5", "type=top:b.h5"], "one file for every event"),
    (["type=top:a.h5", "type=TOP:b.h5"], "type=TOP is given twice"),
    ([], "--reference is required"),
])
def test_bad_reference_lists_are_one_line(items, said):
    with pytest.raises(ConfigError, match=said):
        parse_references(items)


def test_fidelity_points_in_the_order_given():
    assert parse_fidelity(" heun:5,10  dpmpp-2m:20 multistep-consistency:1,3 ") == (
        FidelityPoint("heun", 5), FidelityPoint("heun", 10), FidelityPoint("dpmpp-2m", 20),
        FidelityPoint("multistep-consistency", 1), FidelityPoint("multistep-consistency", 3))


@pytest.mark.parametrize(("text", "said"), [
    ("", "empty"), ("heun", "not SAMPLER:STEPS"), ("heun:5,", "not SAMPLER:STEPS"), ("heun:-1", "not SAMPLER"),
    ("heun:0", "positive"), ("heun:5 heun:5", "heun:5 twice"), ("heun:1.5", "not SAMPLER:STEPS"),
])
def test_malformed_fidelity_is_one_line(text, said):
    with pytest.raises(ConfigError, match=said):
        parse_fidelity(text)


def test_a_pinned_id_lives_beside_the_released_folder():
    assert pinned_folder("registry/pc-droid-cae/jetnet150", "top") == Path("registry/pc-droid-cae/jetnet150-top")
