"""EPiC-GAN (Buhmann, Kasieczka, Thaler, arXiv:2301.08128) as a hepzoo plugin."""

from __future__ import annotations

__version__ = "0.1.0"
