"""pytest fixtures every plugin's test suite gets once hepzoo is installed (entry point pytest11)."""

from __future__ import annotations

import pytest

from hepzoo.testing.hub_server import HubServer


@pytest.fixture
def hub_root(tmp_path):
    """An empty folder laid out as ``<org>/<repo>/<files>``: put model folders here."""
    root = tmp_path / "hub"
    root.mkdir()
    return root


@pytest.fixture
def hub_server(hub_root, tmp_path, monkeypatch):
    """A Hub-compatible server on 127.0.0.1 serving ``hub_root``, with HF_ENDPOINT and a fresh cache."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"), raising=False)
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False, raising=False)
    with HubServer(hub_root) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
        yield server
