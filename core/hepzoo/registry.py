"""Names -> lazy import paths for everything plugins provide; cheap to build, no torch import."""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import importlib
import math
import re
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs

from hepzoo.errors import ConfigError, InvalidDataError, ModelNotFoundError, PluginConflictError

if TYPE_CHECKING:
    from hepzoo.plugins.specs import CommandSpec, EvaluatorSpec, FormatSpec

__all__ = ["Registry", "Entry", "PretrainedEntry", "import_target", "KINDS", "FAMILY_TOOLS"]

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
KINDS = ("family", "sampler", "dataset", "evaluator", "format", "command", "pretrained")
FAMILY_TOOLS = ("recipe", "convert")  # what ``hepzoo train|convert FAMILY`` uses, per family


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
    before use. ``metrics`` are the model card's figures (from ``hepzoo evaluate``). ``pinned_conditions``
    are the ones this id fixes (``{"type": "top"}``: one id per jet type of an all-type model, whose
    files it shares); ``hepzoo.load`` pins them on the model (``Model.pin_conditions``).
    """

    family: str
    tag: str
    repo_id: str
    files: dict[str, str] = attrs.field()
    revision: str = "main"
    license: str = "mit"
    papers: tuple[str, ...] = ()
    dataset: str = ""
    metrics: dict[str, Any] = attrs.field(factory=dict)
    description: str = ""
    distribution: str = "?"
    pinned_conditions: dict[str, Any] = attrs.field(factory=dict)

    @files.validator
    def _check_files(self, attribute, files) -> None:
        """Each file's recorded hash must be a sha256 (64 hex digits): a typo would refuse every download."""
        if not isinstance(files, dict):
            bad = [f"a {type(files).__name__}, not a dict"]
        else:
            bad = sorted(str(name) for name, sha in files.items() if not isinstance(sha, str) or not _SHA256.match(sha))
        if not files or bad:
            raise ConfigError(
                f"pretrained {self.family}/{self.tag}: files must map each file name to its sha256 "
                f"(64 hex digits); {', '.join(bad) or 'none is given'} — copy them from 'hepzoo publish --dry-run'"
            )

    @pinned_conditions.validator
    def _check_pins(self, attribute, pins) -> None:
        """Pins are name -> one label or number (JSON scalars); the model checks them against its conditions on load."""
        bad = (
            [f"a {type(pins).__name__}, not a dict"] if not isinstance(pins, dict) else
            [f"{name}={value!r}" for name, value in pins.items()
             if not isinstance(name, str) or not name or isinstance(value, bool)
             or not isinstance(value, (str, int, float)) or (isinstance(value, float) and not math.isfinite(value))]
        )
        if bad:
            raise ConfigError(
                f"pretrained {self.family}/{self.tag}: pinned_conditions maps a condition name to one label or "
                f"number, e.g. {{\"type\": \"top\"}}; {', '.join(bad)} is not"
            )

    @property
    def id(self) -> str:
        return f"{self.family}/{self.tag}"


class Registry:
    """What the loaded plugins registered. Plugins call the ``add_*`` methods from their hook."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS if kind != "pretrained"}
        self._pretrained: dict[str, PretrainedEntry] = {}
        self.current_distribution = "?"

    @contextlib.contextmanager
    def transaction(self, distribution: str) -> Iterator[Registry]:
        """Register as ``distribution``; if the block raises, undo everything it registered."""
        entries = {kind: dict(table) for kind, table in self._entries.items()}
        pretrained = dict(self._pretrained)
        previous, self.current_distribution = self.current_distribution, distribution
        try:
            yield self
        except BaseException:
            for kind, table in entries.items():  # the tables stay the same objects
                self._entries[kind].clear()
                self._entries[kind].update(table)
            self._pretrained.clear()
            self._pretrained.update(pretrained)
            raise
        finally:
            self.current_distribution = previous

    # -- registration -------------------------------------------------------------------------
    def _add(self, kind: str, name: str, target: str, description: str = "", **extra: Any) -> None:
        table = self._entries[kind]
        if name in table:
            raise PluginConflictError(
                f"{kind} {name!r} is registered by both {table[name].distribution!r} and "
                f"{self.current_distribution!r}; uninstall one, or select plugins with HEPZOO_PLUGINS"
            )
        table[name] = Entry(kind, name, target, description, self.current_distribution, extra)

    def add_family(
        self, name: str, target: str, description: str = "", *, law: str = "", recipe: str = "",
        convert: str = "", **extra: Any,
    ) -> None:
        """A model recipe: ``target`` is a ``Model`` subclass with ``config_cls``.

        ``law`` is what its network outputs (``hepzoo.laws.Law`` value: which samplers fit);
        ``recipe`` is the ``"module:Class"`` of its ``hepzoo.training.Recipe`` (``hepzoo train
        FAMILY``); ``convert`` an entry point ``fn(argv) -> int`` for ``hepzoo convert FAMILY``.
        Any other keyword is refused, so a stale one (``train=``) fails here, not at ``hepzoo train``.
        """
        if extra:
            hint = " (the training entry is now recipe='module:RecipeClass')" if "train" in extra else ""
            raise ConfigError(
                f"add_family({name!r}) got unknown keyword(s) {', '.join(sorted(extra))}; a family accepts "
                f"only law=, recipe=, convert={hint}"
            )
        self._add("family", name, target, description, law=law, recipe=recipe, convert=convert)

    def add_backbone(self, name: str, target: str, description: str = "") -> None:
        """Deprecated: backbones are built by their family, nothing looks them up by name."""
        _deprecated("add_backbone")

    def add_objective(self, name: str, target: str, description: str = "", law: str = "") -> None:
        """Deprecated: objectives are built by their family, nothing looks them up by name."""
        _deprecated("add_objective")

    def add_sampler(self, spec) -> None:
        """Register a ``hepzoo.samplers.base.SamplerSpec``."""
        self._add("sampler", spec.name, spec.target, spec.description, spec=spec)

    def add_dataset(self, name: str, target: str, description: str = "", **extra: Any) -> None:
        """A dataset: ``target`` is a ``hepzoo.data.datasets.DatasetSpec`` or a factory of one."""
        self._add("dataset", name, target, description, **extra)

    def add_evaluator(self, spec: EvaluatorSpec) -> None:
        """An ``EvaluatorSpec``: how samples of ``spec.representation`` are evaluated and tabulated."""
        self._add("evaluator", spec.representation, spec.target, spec.description, spec=spec)

    def add_format(self, spec: FormatSpec) -> None:
        """A ``FormatSpec``: a file format, found by the HDF5 datasets a file holds."""
        self._add("format", spec.name, spec.reader, spec.description, spec=spec)

    def add_command(self, spec: CommandSpec) -> None:
        """A ``CommandSpec``: a ``hepzoo`` subcommand."""
        self._add("command", spec.name, spec.target, spec.help, spec=spec)

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

    def family_tool(self, family: str, tool: str) -> str:
        """The ``"module:attr"`` a family gives for ``tool`` (one of ``FAMILY_TOOLS``)."""
        if tool not in FAMILY_TOOLS:
            raise ConfigError(f"a family tool is one of {', '.join(FAMILY_TOOLS)}, not {tool!r}")
        target = self.get("family", family).extra.get(tool)
        if not target:
            raise ConfigError(f"family {family!r} provides no {tool!r} (it cannot be used with 'hepzoo {'train' if tool == 'recipe' else tool}')")
        return target

    def evaluator(self, representation: str) -> EvaluatorSpec:
        """The evaluator registered for a representation kind (``point_cloud``, ``voxel``, ...)."""
        table = self._entries["evaluator"]
        if representation not in table:
            raise InvalidDataError(
                f"no evaluator for {representation!r} samples; installed plugins evaluate "
                f"{', '.join(sorted(table)) or 'nothing'}"
            )
        return table[representation].extra["spec"]

    def formats(self, representation: str | None = None) -> list[FormatSpec]:
        """Registered file formats (of one representation kind), by name."""
        specs = [self._entries["format"][n].extra["spec"] for n in sorted(self._entries["format"])]
        return [s for s in specs if representation is None or s.representation == representation]

    def format_for_keys(self, keys) -> FormatSpec | None:
        """The format a file holding these HDF5 datasets is in (the most specific match), or None."""
        matches = [s for s in self.formats() if s.matches(keys)]
        return max(matches, key=lambda s: len(s.keys)) if matches else None

    def commands(self) -> list[CommandSpec]:
        """Registered subcommands, by name."""
        return [self._entries["command"][n].extra["spec"] for n in sorted(self._entries["command"])]

    def by_distribution(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for kind, table in self._entries.items():
            for entry in table.values():
                out.setdefault(entry.distribution, {}).setdefault(kind, []).append(entry.name)
        for entry in self._pretrained.values():
            out.setdefault(entry.distribution, {}).setdefault("pretrained", []).append(entry.id)
        return out


def _deprecated(method: str) -> None:
    warnings.warn(
        f"Registry.{method} is deprecated and registers nothing (nothing looks these names up); "
        "remove the call",
        DeprecationWarning,
        stacklevel=3,
    )


def suggest(name: str, choices) -> str:
    """', did you mean X?' for close matches (ignoring case: EPIC-GAN/X finds epic-gan/x), else ''."""
    by_lower: dict[str, str] = {}
    for choice in choices:
        by_lower.setdefault(str(choice).lower(), choice)
    close = [by_lower[c] for c in difflib.get_close_matches(str(name).lower(), list(by_lower), n=3, cutoff=0.5)]
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
