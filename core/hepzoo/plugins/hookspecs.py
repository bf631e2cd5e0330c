"""The plugin seam: one hook, through which every distribution (the core's too) registers."""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("hepzoo")
hookimpl = pluggy.HookimplMarker("hepzoo")


@hookspec
def hepzoo_register(registry) -> None:
    """Register families, backbones, objectives, samplers, datasets and pretrained tags.

    Registration must be cheap: names and ``"module:attr"`` import paths, no torch import.
    """
