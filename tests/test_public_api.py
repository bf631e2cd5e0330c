"""The public API: every core package declares ``__all__``, every exported name exists, cheap imports
stay torch-free, and plugins import the core only through exported names."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

import hepzoo

ROOT = Path(__file__).resolve().parents[1]
CORE = Path(hepzoo.__file__).parent
PACKAGES = sorted(
    "hepzoo" + ("." + ".".join(p.parent.relative_to(CORE).parts) if p.parent != CORE else "")
    for p in CORE.rglob("__init__.py")
)
OPTIONAL = {"pythia8mc", "fastjet", "mplhep"}  # extras a module may need; without them it is skipped


def _modules() -> list[str]:
    names = ["hepzoo"]
    for info in pkgutil.walk_packages([str(CORE)], prefix="hepzoo."):
        names.append(info.name)
    return sorted(names)


def _import(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as err:
        if err.name and err.name.split(".")[0] in OPTIONAL:
            pytest.skip(f"{name} needs {err.name}")
        raise


def public_problem(module: str, name: str | None) -> str | None:
    """Why importing ``name`` from ``module`` reaches past the public API, or None.

    Public: a package or a module directly in ``hepzoo`` (``hepzoo.model``), no ``_``-prefixed
    part, and the name listed in its ``__all__``.
    """
    parts = module.split(".")
    if any(part.startswith("_") for part in parts):
        return f"{module} is private"
    mod = importlib.import_module(module)
    if len(parts) > 2 and not hasattr(mod, "__path__"):
        return f"{module} is an inner module; import from {'.'.join(parts[:-1])}"
    if name is not None and name not in getattr(mod, "__all__", ()):
        return f"{name} is not in {module}.__all__"
    return None


@pytest.mark.parametrize("package", PACKAGES)
def test_every_core_package_declares_all(package):
    tree = ast.parse((CORE.joinpath(*package.split(".")[1:], "__init__.py")).read_text())
    assigned = {t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                if isinstance(t, ast.Name)}
    assert "__all__" in assigned


@pytest.mark.parametrize("module", _modules())
def test_every_exported_name_exists(module):
    mod = _import(module)
    for name in getattr(mod, "__all__", ()):
        assert hasattr(mod, name), f"{module}.__all__ lists {name!r}, which it does not define"


@pytest.mark.parametrize("package", PACKAGES)
def test_exports_are_not_shadowed_by_submodules(package):
    """A package exporting a function named like one of its submodules would hand out the module."""
    mod = _import(package)
    for info in pkgutil.iter_modules(mod.__path__):
        try:
            importlib.import_module(f"{package}.{info.name}")
        except ImportError as err:
            if not (err.name and err.name.split(".")[0] in OPTIONAL):
                raise
    for name in getattr(mod, "__all__", ()):
        assert not isinstance(getattr(mod, name), types.ModuleType), f"{package}.{name} is a module"


def test_importing_every_package_stays_torch_free():
    code = textwrap.dedent(
        f"""
        import importlib, sys
        for name in {PACKAGES!r}:
            importlib.import_module(name)
        from hepzoo.plugins import EvaluatorSpec, hookimpl  # what a plugin's registration imports
        print("TORCH" if "torch" in sys.modules else "NO-TORCH")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "NO-TORCH"


def test_the_data_layer_does_not_import_the_objectives():
    """Data sits below the model layer: bucketing jets must not pull in generative objectives."""
    code = "import sys, hepzoo.data.buckets; print('hepzoo.objectives' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_private_random_module_is_an_alias_of_the_public_one():
    from hepzoo import _random, rng

    assert rng.make_generator is _random.make_generator


def plugin_imports() -> list[tuple[str, int, str, str | None]]:
    """(file, line, module, name) of every ``hepzoo.`` import in the plugins' packages."""
    found = []
    for path in sorted(ROOT.glob("plugins/*/hepzoo_*/**/*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == "hepzoo" or node.module.startswith("hepzoo."):
                    found += [(str(path.relative_to(ROOT)), node.lineno, node.module, a.name) for a in node.names]
            elif isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), node.lineno, a.name, None)
                          for a in node.names if a.name.startswith("hepzoo.")]
    return found


def test_the_walk_finds_the_plugins_imports():
    assert any(module == "hepzoo.errors" for _, _, module, _ in plugin_imports())


def test_plugins_import_only_public_names():
    problems = [f"{f}:{line}: {problem}" for f, line, module, name in plugin_imports()
                if (problem := public_problem(module, name))]
    assert problems == []


@pytest.mark.parametrize("module, name", [
    ("hepzoo.hub.local", "TORCH_CHECKPOINTS"),
    ("hepzoo.evaluation.checks", "JET_METRICS_FEATURES"),
    ("hepzoo.data.showers.gflash", "E_MAX_MEV"),
])
def test_documented_constants_are_exported(module, name):
    assert name in importlib.import_module(module).__all__


def test_an_internal_constant_is_private():
    import hepzoo.model

    assert not hasattr(hepzoo.model, "CONDITION_BYTES_PER_EVENT") and hasattr(hepzoo.model, "_CONDITION_BYTES_PER_EVENT")
