"""Registry: names, conflicts between distributions, suggestions, listing."""

from __future__ import annotations

import pytest

from hepzoo.errors import ConfigError, InvalidDataError, ModelNotFoundError, PluginConflictError
from hepzoo.plugins.specs import CommandSpec, EvaluatorSpec, FormatSpec
from hepzoo.registry import KINDS, PretrainedEntry, Registry, import_target


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


def test_transaction_undoes_a_half_finished_registration():
    reg = Registry()
    with reg.transaction("hepzoo-a"):
        reg.add_family("kept", "a:Model")
    with pytest.raises(RuntimeError, match="half way"):
        with reg.transaction("hepzoo-b"):
            reg.add_family("dropped", "b:Model")
            reg.add_pretrained(_entry("dropped", "t"))
            reg.add_evaluator(EvaluatorSpec("tabular", "b:evaluate"))
            raise RuntimeError("half way")
    assert reg.names("family") == ["kept"] and reg.names("pretrained") == []
    assert reg.names("evaluator") == []
    assert reg.get("family", "kept").distribution == "hepzoo-a"
    assert reg.current_distribution == "?"


def test_evaluators_formats_and_commands_are_looked_up():
    reg = Registry()
    reg.add_evaluator(EvaluatorSpec("tabular", "m:evaluate", metrics=("nll",)))
    reg.add_format(FormatSpec("loose", "tabular", ("x",), "m:read"))
    reg.add_format(FormatSpec("strict", "tabular", ("x", "y"), "m:read_xy"))
    reg.add_command(CommandSpec("hello", "m:run", "say hello"))
    assert reg.evaluator("tabular").metrics == ("nll",)
    with pytest.raises(InvalidDataError, match="no evaluator for 'voxel' samples.*tabular"):
        reg.evaluator("voxel")
    assert reg.format_for_keys({"x", "y", "z"}).name == "strict"  # the most specific format wins
    assert reg.format_for_keys({"x"}).name == "loose"
    assert reg.format_for_keys({"z"}) is None
    assert [c.name for c in reg.commands()] == ["hello"]


def test_two_evaluators_for_one_representation_conflict():
    reg = Registry()
    reg.current_distribution = "hepzoo-a"
    reg.add_evaluator(EvaluatorSpec("voxel", "a:evaluate"))
    reg.current_distribution = "hepzoo-b"
    with pytest.raises(PluginConflictError, match="evaluator 'voxel'.*hepzoo-a.*hepzoo-b"):
        reg.add_evaluator(EvaluatorSpec("voxel", "b:evaluate"))


def test_family_tools_and_dropped_kinds():
    reg = Registry()
    reg.add_family("flow", "a:Model", recipe="a:FlowRecipe")
    assert reg.family_tool("flow", "recipe") == "a:FlowRecipe"
    with pytest.raises(ConfigError, match="family 'flow' provides no 'convert'.*hepzoo convert"):
        reg.family_tool("flow", "convert")
    with pytest.raises(ConfigError, match=r"unknown keyword\(s\) train; a family accepts only law=, recipe=, convert="):
        reg.add_family("stale", "a:Model", train="a:main_train")
    assert "stale" not in reg.names("family")
    with pytest.warns(DeprecationWarning, match="add_backbone"):
        reg.add_backbone("net", "a:Net")
    assert "backbone" not in KINDS and "objective" not in KINDS


@pytest.mark.parametrize("files", [{}, {"config.json": "abc"}, {"config.json": "0" * 64, "model.safetensors": None},
                                   ["config.json"], None, "config.json"])
def test_a_pretrained_entry_must_record_a_sha256_per_file(files):
    with pytest.raises(ConfigError, match="sha256 \\(64 hex digits\\)"):
        PretrainedEntry(family="fam", tag="t", repo_id="org/x", files=files)
