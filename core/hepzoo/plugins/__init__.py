"""What a plugin needs: the hook markers, the specs it registers, the loaded registry."""

from __future__ import annotations

from hepzoo._lazy import lazy_exports

_EXPORTS = {
    "hookimpl": "hepzoo.plugins.hookspecs",
    "hookspec": "hepzoo.plugins.hookspecs",
    "EvaluatorSpec": "hepzoo.plugins.specs",
    "FormatSpec": "hepzoo.plugins.specs",
    "CommandSpec": "hepzoo.plugins.specs",
    "PretrainedEntry": "hepzoo.registry",
    "get_registry": "hepzoo.plugins.manager",
    "plugin_report": "hepzoo.plugins.manager",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
