"""attrs configs <-> JSON through one cattrs converter, with a schema version in every file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs

from hepzoo.atomic import atomic_write_text
from hepzoo.errors import ConfigError

__all__ = ["SCHEMA_VERSION", "converter", "structure", "unstructure", "read_json", "write_json"]

SCHEMA_VERSION = 1
T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=True)
converter.register_structure_hook(tuple, lambda v, t: tuple(v))


def unstructure(obj: Any) -> Any:
    """An attrs instance as plain JSON-able data."""
    return converter.unstructure(obj)


def structure(data: Any, cls: type[T], *, what: str = "config") -> T:
    """Build ``cls`` from plain data; unknown or missing keys raise a ConfigError naming them."""
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        details = "; ".join(_flatten_errors(exc))
        raise ConfigError(f"invalid {what} for {cls.__name__}: {details}") from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid {what} for {cls.__name__}: {exc}") from None


def _flatten_errors(exc: BaseException) -> list[str]:
    if isinstance(exc, cattrs.BaseValidationError):
        out: list[str] = []
        for sub, note in zip(exc.exceptions, getattr(exc, "__notes__", []) or [None] * 99):
            prefix = f"{note}: " if note else ""
            out.extend(prefix + m for m in _flatten_errors(sub))
        if not out:
            out = [str(exc)]
        return out
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return [f"unknown keys {sorted(exc.extra_fields)}"]
    if isinstance(exc, KeyError):
        return [f"missing key {exc}"]
    return [f"{type(exc).__name__}: {exc}"]


def read_json(path: str | Path) -> dict:
    """Read a config.json, checking its schema version."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc})") from None
    version = data.get("schema_version")
    if version is None:
        raise ConfigError(f"{path} has no 'schema_version'; it was not written by hepzoo")
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"{path} has schema_version {version}, newer than this hepzoo understands "
            f"({SCHEMA_VERSION}); upgrade with 'pip install -U hepzoo'"
        )
    return data


def write_json(path: str | Path, data: dict) -> None:
    """Write JSON with sorted keys and the schema version, atomically."""
    path = Path(path)
    payload = {"schema_version": SCHEMA_VERSION, **data}
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=True) + "\n")


def evolve(obj: T, **changes: Any) -> T:
    """attrs.evolve, re-exported so plugins need not import attrs for it."""
    return attrs.evolve(obj, **changes)
