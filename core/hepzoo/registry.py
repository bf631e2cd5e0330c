"""Names -> lazy import paths for everything plugins provide; cheap to build, no torch import."""

from __future__ import annotations

import difflib
import fnmatch
import importlib
from typing import Any

import attrs

from hepzoo.errors import ModelNotFoundError, PluginConflictError

__all__ = ["Registry", "Entry", "PretrainedEntry", "import_target", "KINDS"]

KINDS = ("family", "backbone", "objective", "sampler", "dataset", "pretrained")


def import_target(target: str) -> Any:
    """Import ``"package.module:attr"``."""
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    obj = module
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


@attrs.define(frozen=True)
class Entry:
    """One registered name: where it lives and who registered it."""

    kind: str
    name: str
    target: str
    description: str = ""
    distribution: str = "?"
    extra: dict[str, Any] = attrs.field(factory=dict)

    def load(self) -> Any:
        return import_target(self.target)


@attrs.define(frozen=True)
class PretrainedEntry:
    """A published, trained instance ``family/tag`` and where its files live.

    ``files`` maps each file name of the Hub repo to its sha256; every file is verified against it
    before use. ``metrics`` are the model card's figures (from ``hepzoo evaluate``).
    """

    family: str
    tag: str
    repo_id: str
    files: dict[str, str]
    revision: str = "main"
    license: str = "mit"
    papers: tuple[str, ...] = ()
    dataset: str = ""
    metrics: dict[str, Any] = attrs.field(factory=dict)
    description: str = ""
    distribution: str = "?"

    @property
    def id(self) -> str:
        return f"{self.family}/{self.tag}"


class Registry:
    """What the loaded plugins registered. Plugins call the ``add_*`` methods from their hook."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS if kind != "pretrained"}
        self._pretrained: dict[str, PretrainedEntry] = {}
        self.current_distribution = "?"

    # -- registration -------------------------------------------------------------------------
    def _add(self, kind: str, name: str, target: str, description: str = "", **extra: Any) -> None:
        table = self._entries[kind]
        if name in table:
            raise PluginConflictError(
                f"{kind} {name!r} is registered by both {table[name].distribution!r} and "
                f"{self.current_distribution!r}; uninstall one, or select plugins with HEPZOO_PLUGINS"
            )
        table[name] = Entry(kind, name, target, description, self.current_distribution, extra)

    def add_family(self, name: str, target: str, description: str = "", **extra: Any) -> None:
        """A model recipe: ``target`` is a ``Model`` subclass with ``config_cls``."""
        self._add("family", name, target, description, **extra)

    def add_backbone(self, name: str, target: str, description: str = "") -> None:
        self._add("backbone", name, target, description)

    def add_objective(self, name: str, target: str, description: str = "", law: str = "") -> None:
        self._add("objective", name, target, description, law=law)

    def add_sampler(self, spec) -> None:
        """Register a ``hepzoo.samplers.base.SamplerSpec``."""
        self._add("sampler", spec.name, spec.target, spec.description, spec=spec)

    def add_dataset(self, name: str, target: str, description: str = "", **extra: Any) -> None:
        """A dataset: ``target`` is a ``hepzoo.data.datasets.DatasetSpec`` or a factory of one."""
        self._add("dataset", name, target, description, **extra)

    def add_pretrained(self, entry: PretrainedEntry) -> None:
        if entry.id in self._pretrained:
            raise PluginConflictError(
                f"pretrained model {entry.id!r} is registered by both "
                f"{self._pretrained[entry.id].distribution!r} and {self.current_distribution!r}"
            )
        self._pretrained[entry.id] = attrs.evolve(entry, distribution=self.current_distribution)

    # -- lookup -------------------------------------------------------------------------------
    def names(self, kind: str) -> list[str]:
        if kind == "pretrained":
            return sorted(self._pretrained)
        return sorted(self._entries[kind])

    def get(self, kind: str, name: str) -> Entry:
        table = self._entries[kind]
        if name not in table:
            raise ModelNotFoundError(f"unknown {kind} {name!r}{suggest(name, table)}")
        return table[name]

    def pretrained(self, model_id: str) -> PretrainedEntry:
        if model_id not in self._pretrained:
            raise ModelNotFoundError(
                f"no model {model_id!r} is registered{suggest(model_id, self._pretrained)}; "
                "'hepzoo list' shows the known ones"
            )
        return self._pretrained[model_id]

    def list_pretrained(self, pattern: str | None = None) -> list[PretrainedEntry]:
        ids = sorted(self._pretrained)
        if pattern:
            ids = [i for i in ids if fnmatch.fnmatch(i, pattern if any(c in pattern for c in "*?[") else f"*{pattern}*")]
        return [self._pretrained[i] for i in ids]

    def sampler_spec(self, name: str):
        return self.get("sampler", name).extra["spec"]

    def by_distribution(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for kind, table in self._entries.items():
            for entry in table.values():
                out.setdefault(entry.distribution, {}).setdefault(kind, []).append(entry.name)
        for entry in self._pretrained.values():
            out.setdefault(entry.distribution, {}).setdefault("pretrained", []).append(entry.id)
        return out


def suggest(name: str, choices) -> str:
    """', did you mean X?' for close matches, else ''."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
