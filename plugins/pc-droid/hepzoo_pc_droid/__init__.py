"""PC-Droid (Leigh et al., arXiv:2307.06836; PC-JeDi, arXiv:2303.05376) as a hepzoo plugin."""

from __future__ import annotations

__version__ = "0.1.0"
