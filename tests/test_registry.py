"""Registry: names, conflicts between distributions, suggestions, listing."""

from __future__ import annotations

import pytest

from hepzoo.errors import ModelNotFoundError, PluginConflictError
from hepzoo.registry import PretrainedEntry, Registry, import_target


def _entry(family="fam", tag="t1"):
    return PretrainedEntry(family=family, tag=tag, repo_id=f"org/{family}-{tag}", files={"config.json": "0" * 64})


def test_conflict_names_both_distributions():
    reg = Registry()
    reg.current_distribution = "hepzoo-a"
    reg.add_family("flow", "a:Model")
    reg.current_distribution = "hepzoo-b"
    with pytest.raises(PluginConflictError, match="hepzoo-a.*hepzoo-b"):
        reg.add_family("flow", "b:Model")
    reg.add_pretrained(_entry())
    reg.current_distribution = "hepzoo-c"
    with pytest.raises(PluginConflictError, match="hepzoo-b.*hepzoo-c"):
        reg.add_pretrained(_entry())


def test_unknown_names_get_suggestions():
    reg = Registry()
    reg.add_pretrained(_entry("epic-gan", "jetnet150-top"))
    with pytest.raises(ModelNotFoundError, match="did you mean 'epic-gan/jetnet150-top'"):
        reg.pretrained("epic-gan/jetnet150-tpo")
    with pytest.raises(ModelNotFoundError, match="unknown sampler"):
        reg.get("sampler", "heun")


def test_list_by_glob_and_substring():
    reg = Registry()
    for fam, tag in [("epic-gan", "jetnet150-top"), ("epic-gan", "jetnet30-top"), ("mdma", "jetnet150-top")]:
        reg.add_pretrained(_entry(fam, tag))
    ids = [e.id for e in reg.list_pretrained("*jetnet150*")]
    assert ids == ["epic-gan/jetnet150-top", "mdma/jetnet150-top"]
    assert [e.id for e in reg.list_pretrained("mdma")] == ["mdma/jetnet150-top"]


def test_import_target():
    assert import_target("hepzoo.registry:Registry") is Registry
