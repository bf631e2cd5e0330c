"""Test helpers for hepzoo and its plugins: a local Hub server and the conformance suite."""

from hepzoo.testing.hub_server import HubServer

__all__ = ["HubServer"]
