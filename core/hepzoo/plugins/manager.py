"""Loads plugins one by one from the ``hepzoo`` entry-point group, isolating failures."""

from __future__ import annotations

import os
import threading
from importlib import metadata

import attrs
import pluggy

from hepzoo.plugins import hookspecs
from hepzoo.registry import Registry

__all__ = ["ENTRY_POINT_GROUP", "PluginInfo", "get_registry", "plugin_report", "reset"]

ENTRY_POINT_GROUP = "hepzoo"
BUILTIN = "hepzoo.builtin"
_lock = threading.Lock()
_state: tuple[Registry, list[PluginInfo]] | None = None


@attrs.define
class PluginInfo:
    """One plugin as ``hepzoo plugins`` shows it."""

    name: str
    distribution: str
    version: str
    module: str
    error: str | None = None
    registered: dict[str, list[str]] = attrs.field(factory=dict)


def _selection() -> tuple[set[str] | None, set[str]]:
    """``HEPZOO_PLUGINS``: ``a,b`` selects, ``-a`` blocks, empty or ``none`` loads only the core."""
    raw = os.environ.get("HEPZOO_PLUGINS")
    if raw is None:
        return None, set()
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names or names == ["none"]:
        return set(), set()
    blocked = {n[1:] for n in names if n.startswith("-")}
    selected = {n for n in names if not n.startswith("-")}
    return (selected or None), blocked


def _register_one(pm: pluggy.PluginManager, registry: Registry, info: PluginInfo, plugin) -> None:
    """Run the plugin's hooks inside one registry transaction: all of it registers, or none."""
    try:
        with registry.transaction(info.distribution):
            pm.register(plugin, name=info.name)
            for hook_name, method in hookspecs.HOOKS.items():
                for impl in getattr(pm.hook, hook_name).get_hookimpls():
                    if impl.plugin is plugin:
                        if method is None:
                            impl.function(registry=registry)
                        else:
                            impl.function(register=getattr(registry, method))
    except Exception as exc:  # a broken plugin must not take the others down
        info.error = f"{type(exc).__name__}: {exc}"
        if pm.is_registered(plugin):
            pm.unregister(plugin)


def _load() -> tuple[Registry, list[PluginInfo]]:
    import importlib

    pm = pluggy.PluginManager("hepzoo")
    pm.add_hookspecs(hookspecs)
    registry = Registry()
    infos: list[PluginInfo] = []
    core_version = _version("hepzoo")
    builtin = PluginInfo("builtin", "hepzoo", core_version, BUILTIN)
    _register_one(pm, registry, builtin, importlib.import_module(BUILTIN))
    infos.append(builtin)
    selected, blocked = _selection()
    seen: set[str] = set()
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if ep.name in seen:
            continue
        seen.add(ep.name)
        dist = ep.dist.name if ep.dist is not None else "?"
        if ep.name in blocked or dist in blocked:
            continue
        if selected is not None and ep.name not in selected and dist not in selected:
            continue
        info = PluginInfo(ep.name, dist, ep.dist.version if ep.dist else "?", ep.value)
        try:
            plugin = ep.load()
        except Exception as exc:
            info.error = f"{type(exc).__name__}: {exc}"
            infos.append(info)
            continue
        _register_one(pm, registry, info, plugin)
        infos.append(info)
    by_dist = registry.by_distribution()
    for info in infos:
        if info.error is None:
            info.registered = by_dist.get(info.distribution, {})
    return registry, infos


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "0+unknown"


def get_registry() -> Registry:
    """The registry with every selected plugin loaded (cached for the process)."""
    return _get()[0]


def plugin_report() -> list[PluginInfo]:
    """What each plugin registered, or why it failed to load."""
    return _get()[1]


def _get() -> tuple[Registry, list[PluginInfo]]:
    global _state
    with _lock:
        if _state is None:
            _state = _load()
        return _state


def reset() -> None:
    """Forget the loaded plugins (tests, or after installing one in a running session)."""
    global _state
    with _lock:
        _state = None
