"""Validation by W1M, W1P and W1EFP: the core's ``hepzoo.training.JetValidator``."""

from __future__ import annotations

from hepzoo.training import JetValidator

__all__ = ["JetValidator"]
