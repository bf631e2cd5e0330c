"""The docs index lists every page, and ruff knows every plugin package as first-party."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_docs_index_links_every_page():
    index = (ROOT / "docs" / "README.md").read_text()
    linked = set(re.findall(r"\]\(([\w.-]+\.md)\)", index))
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert pages - linked == set()


def test_every_plugin_package_is_first_party_for_ruff():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    first_party = set(config["tool"]["ruff"]["lint"]["isort"]["known-first-party"])
    packages = {p.name for p in ROOT.glob("plugins/*/hepzoo_*") if p.is_dir() and "." not in p.name}
    assert packages - first_party == set()
