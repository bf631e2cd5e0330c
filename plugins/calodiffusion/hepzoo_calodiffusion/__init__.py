"""CaloDiffusion (Amram & Pedro, arXiv:2308.03876) as a hepzoo plugin."""

from __future__ import annotations

__version__ = "0.1.0"
