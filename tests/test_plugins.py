"""Plugin loading through real entry points: isolation of failures, selection, no torch on list."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from hepzoo.plugins import manager

PLUGIN_OK = '''
from hepzoo.plugins.hookspecs import hookimpl
from hepzoo.registry import PretrainedEntry

@hookimpl
def hepzoo_register(registry):
    registry.add_family("{family}", "{module}:Model", "a fake family")
    registry.add_pretrained(PretrainedEntry(family="{family}", tag="demo", repo_id="org/{family}-demo",
                                            files={{"config.json": "{sha}"}}))
'''


def _install(tmp_path, dist: str, module: str, source: str, ep_name: str | None = None):
    """A real installed distribution: a module plus a .dist-info with an entry point."""
    (tmp_path / f"{module}.py").write_text(source)
    info = tmp_path / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[hepzoo]\n{ep_name or dist} = {module}\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    manager.reset()
    yield tmp_path
    manager.reset()
    for name in list(sys.modules):
        if name.startswith("fakeplug"):
            del sys.modules[name]


def test_plugin_registers_and_is_reported(site):
    _install(site, "hepzoo-fake", "fakeplug_a", PLUGIN_OK.format(family="fake", module="fakeplug_a", sha="0" * 64))
    report = {i.name: i for i in manager.plugin_report()}
    assert report["hepzoo-fake"].error is None
    assert report["hepzoo-fake"].version == "1.2.3"
    assert report["hepzoo-fake"].registered["family"] == ["fake"]
    assert "fake/demo" in manager.get_registry().names("pretrained")
    assert "heun" in report["builtin"].registered["sampler"]


def test_broken_plugin_is_isolated(site):
    _install(site, "hepzoo-broken", "fakeplug_b", "raise RuntimeError('boom at import')")
    _install(site, "hepzoo-fake", "fakeplug_a", PLUGIN_OK.format(family="fake", module="fakeplug_a", sha="0" * 64))
    report = {i.name: i for i in manager.plugin_report()}
    assert "boom at import" in report["hepzoo-broken"].error
    assert report["hepzoo-fake"].error is None


def test_duplicate_name_is_an_error_naming_both(site):
    _install(site, "hepzoo-one", "fakeplug_c", PLUGIN_OK.format(family="same", module="fakeplug_c", sha="0" * 64))
    _install(site, "hepzoo-two", "fakeplug_d", PLUGIN_OK.format(family="same", module="fakeplug_d", sha="0" * 64))
    report = {i.name: i for i in manager.plugin_report()}
    assert "hepzoo-one" in report["hepzoo-two"].error and "hepzoo-two" in report["hepzoo-two"].error
    # the failed plugin left nothing half-registered
    assert manager.get_registry().get("family", "same").distribution == "hepzoo-one"


def test_env_var_selects_and_blocks(site, monkeypatch):
    _install(site, "hepzoo-fake", "fakeplug_a", PLUGIN_OK.format(family="fake", module="fakeplug_a", sha="0" * 64))
    monkeypatch.setenv("HEPZOO_PLUGINS", "-hepzoo-fake")
    assert "hepzoo-fake" not in {i.name for i in manager.plugin_report()}
    manager.reset()
    monkeypatch.setenv("HEPZOO_PLUGINS", "none")
    assert [i.name for i in manager.plugin_report()] == ["builtin"]
    manager.reset()
    monkeypatch.setenv("HEPZOO_PLUGINS", "hepzoo-fake")
    assert "hepzoo-fake" in {i.name for i in manager.plugin_report()}


def test_list_and_plugins_do_not_import_torch():
    code = textwrap.dedent(
        """
        import sys, io, contextlib
        from hepzoo.cli.main import main
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["list", "--json"]) == 0
            assert main(["plugins", "--json"]) == 0
        print("TORCH" if "torch" in sys.modules else "NO-TORCH")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "NO-TORCH"


def test_plugins_json_lists_builtin():
    result = subprocess.run([sys.executable, "-m", "hepzoo.cli.main", "plugins", "--json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    names = [p["name"] for p in json.loads(result.stdout)]
    assert "builtin" in names


PLUGIN_HOOKS = '''
import h5py
import numpy as np
from hepzoo.plugins import CommandSpec, EvaluatorSpec, FormatSpec, hookimpl

def evaluate_tables(gen, reference, output_dir=None, seed=0, **options):
    gap = float(abs(gen.x.mean() - reference.x.mean()))
    return {{"representation": "tabular", "gen_vs_reference": {{"mean_gap": {{"value": gap, "error": 0.0}}}}}}

def read_table(path):
    from hepzoo.representations import Tabular
    from hepzoo.samples import Samples
    with h5py.File(path, "r") as f:
        return Samples(x=f["fake_table"][()], representation=Tabular(columns=("a", "b")))

def hello_arguments(parser):
    parser.add_argument("--name", default="world")

def hello(args):
    print(f"hello {{args.name}}")
    return 0

@hookimpl
def register_evaluators(register):
    register(EvaluatorSpec("tabular", "{module}:evaluate_tables", metrics=("mean_gap",)))

@hookimpl
def register_formats(register):
    register(FormatSpec("fake-table", "tabular", ("fake_table",), "{module}:read_table"))

@hookimpl
def register_commands(register):
    register(CommandSpec("{command}", "{module}:hello", "greet", arguments="{module}:hello_arguments"))
'''


def test_plugin_adds_an_evaluator_a_format_and_a_command(site, tmp_path, capsys):
    import h5py
    import numpy as np

    from hepzoo.cli.main import main
    from hepzoo.evaluation import evaluate

    _install(site, "hepzoo-hooks", "fakeplug_h", PLUGIN_HOOKS.format(module="fakeplug_h", command="hello"))
    report = {i.name: i for i in manager.plugin_report()}
    assert report["hepzoo-hooks"].error is None
    assert report["hepzoo-hooks"].registered == {
        "evaluator": ["tabular"], "format": ["fake-table"], "command": ["hello"]
    }
    assert main(["hello", "--name", "jets"]) == 0
    assert capsys.readouterr().out == "hello jets\n"
    with h5py.File(tmp_path / "gen.h5", "w") as f:
        f["fake_table"] = np.full((8, 2), 3.0)
    with h5py.File(tmp_path / "ref.h5", "w") as f:
        f["fake_table"] = np.full((8, 2), 1.0)
    result = evaluate(tmp_path / "gen.h5", tmp_path / "ref.h5")  # read by its format, judged by its evaluator
    assert result["gen_vs_reference"] == {"mean_gap": {"value": 2.0, "error": 0.0}}


def test_plugin_taking_a_core_command_name_is_refused_whole(site):
    _install(site, "hepzoo-thief", "fakeplug_t", PLUGIN_HOOKS.format(module="fakeplug_t", command="list"))
    report = {i.name: i for i in manager.plugin_report()}
    assert "command 'list'" in report["hepzoo-thief"].error and "'hepzoo'" in report["hepzoo-thief"].error
    registry = manager.get_registry()
    # what the plugin's earlier hooks registered was rolled back with it
    assert "tabular" not in registry.names("evaluator") and "fake-table" not in registry.names("format")
    assert registry.get("command", "list").distribution == "hepzoo"


def test_a_command_that_does_not_load_is_one_line_and_spares_the_others(site, capsys):
    from hepzoo.cli.main import main

    source = PLUGIN_HOOKS.format(module="fakeplug_x", command="hello").replace(
        ':hello_arguments"', ':missing_arguments"')
    _install(site, "hepzoo-halfbroken", "fakeplug_x", source)
    assert main(["list"]) == 0
    capsys.readouterr()
    assert main(["hello"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "command 'hello' of hepzoo-halfbroken does not load" in err and "missing_arguments" in err
