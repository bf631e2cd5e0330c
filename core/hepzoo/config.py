"""attrs configs <-> JSON through one strict cattrs converter, with a schema version in every file.

Structuring never coerces: a JSON ``true`` is not a number, ``"150"`` and ``150.9`` are not
integers, a number must be finite, every field must be present (defaults apply to configs built
in Python, never to a file) and unknown keys are refused. Each problem is one ConfigError that
names the file, the key and the fix, for every family's config.
"""

from __future__ import annotations

import json
import math
import typing
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from hepzoo.atomic import atomic_write_text
from hepzoo.errors import ConfigError

__all__ = [
    "SCHEMA_VERSION",
    "MODEL_FILE_KEYS",
    "converter",
    "structure",
    "unstructure",
    "read_json",
    "read_model_json",
    "write_json",
    "positive",
    "positive_int",
    "finite_float32",
    "positive_float32",
]

SCHEMA_VERSION = 1
MODEL_FILE_KEYS = ("schema_version", "family", "tag", "hepzoo_version", "config")
T = TypeVar("T")


class _Invalid(ValueError):
    """One value of the wrong kind; its message completes '<key> ...'."""


def _shown(value: Any) -> str:
    """``value`` as JSON shows it (true, "150", null), so the message quotes the file."""
    try:
        return json.dumps(value)[:60]
    except (TypeError, ValueError):
        return repr(value)[:60]


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int if it is a positive integer (any integer type, not a bool), else one ConfigError naming ``name``."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ConfigError(f"{name} must be a positive integer, got {_shown(value)}")
    return int(value)


def positive(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
    """attrs validator: the field is a positive integer (a network width, a layer count); ``positive_int``'s check."""
    positive_int(repr(attribute.name), value)


_FLOAT32_MAX = 3.4028234663852886e38  # numpy.finfo(float32).max
_FLOAT32_TINY = 1.1754943508222875e-38  # numpy.finfo(float32).tiny: the smallest normal float32


def finite_float32(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
    """attrs validator: a finite number within float32's range (constants become float32 buffers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or abs(value) > _FLOAT32_MAX:
        raise ConfigError(f"{attribute.name!r} must be a finite number within float32's range, got {value!r}")


def positive_float32(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
    """attrs validator: a positive number float32 holds without rounding it to 0 or infinity."""
    finite_float32(instance, attribute, value)
    if not value >= _FLOAT32_TINY:
        raise ConfigError(f"{attribute.name!r} must be a positive number (>= {_FLOAT32_TINY:.3g}), got {value!r}")


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"must be an integer, got {_shown(value)}")
    return value


def _strict_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid(f"must be a number, got {_shown(value)}")
    if not math.isfinite(value):
        raise _Invalid(f"must be a finite number, got {value}")
    return float(value)


def _strict_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"must be a string, got {_shown(value)}")
    return value


def _strict_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"must be true or false, got {_shown(value)}")
    return value


def _is_tuple(t: Any) -> bool:
    return t is tuple or typing.get_origin(t) is tuple


def _structure_tuple(value: Any, t: Any) -> tuple:
    if not isinstance(value, (list, tuple)):
        raise _Invalid(f"must be a list, got {_shown(value)}")
    args = typing.get_args(t)
    if not args:
        return tuple(value)
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(converter.structure(v, args[0]) for v in value)
    if len(value) != len(args):
        raise _Invalid(f"must be a list of {len(args)} values, got {len(value)}")
    return tuple(converter.structure(v, a) for v, a in zip(value, args))


def _strict_attrs(cls: type) -> Any:
    """cattrs' hook for an attrs class, after a check that the data is an object with every field."""
    base = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True)
    names = [a.alias or a.name for a in attrs.fields(cls) if a.init]

    def hook(value: Any, _: type) -> Any:
        if not isinstance(value, dict):
            raise _Invalid(f"must be a JSON object with keys {names}, got {_shown(value)}")
        missing = [n for n in names if n not in value]
        unknown = sorted(str(k) for k in value if k not in names)
        problems = ([f"has unknown keys {unknown}"] if unknown else []) + (
            [f"lacks the keys {missing} (every field must be written; none is filled in)"] if missing else []
        )
        if problems:
            raise _Invalid(" and ".join(problems))
        return base(value, cls)

    return hook


converter = cattrs.Converter(forbid_extra_keys=True)
converter.register_structure_hook(int, _strict_int)
converter.register_structure_hook(float, _strict_float)
converter.register_structure_hook(str, _strict_str)
converter.register_structure_hook(bool, _strict_bool)
converter.register_structure_hook_func(_is_tuple, _structure_tuple)
converter.register_structure_hook_factory(attrs.has, _strict_attrs)


def unstructure(obj: Any) -> Any:
    """An attrs instance as plain JSON-able data."""
    return converter.unstructure(obj)


def structure(data: Any, cls: type[T], *, what: str = "config", path: str = "config") -> T:
    """Build ``cls`` from plain data, strictly; any problem is one ConfigError naming ``what`` and the key."""
    try:
        return converter.structure(data, cls)
    except Exception as exc:  # cattrs wraps every field's error; report the first one, with its key
        problems = _problems(exc, path)
        if problems is None:
            raise
        first, more = problems[0], len(problems) - 1
        extra = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
        raise ConfigError(
            f"{what}: {first}{extra}; correct it in that file (hepzoo converts no types) "
            "or write the config again with save_pretrained"
        ) from None


def _format(exc: BaseException, _type: Any) -> str:
    if isinstance(exc, (_Invalid, ConfigError)):
        return str(exc)
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"has unknown keys {sorted(exc.extra_fields)}"
    if isinstance(exc, KeyError):
        return "is missing"
    return f"is invalid ({type(exc).__name__}: {exc})"


def _problems(exc: BaseException, path: str) -> list[str] | None:
    """'<key> <problem>' for each error cattrs collected; None for an error that is not about the data."""
    if isinstance(exc, ConfigError):
        return [f"{path}: {exc}"]
    if isinstance(exc, _Invalid):
        return [f"{path} {exc}"]
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return [f"{path} {_format(exc, None)}"]
    if not isinstance(exc, cattrs.BaseValidationError):
        return None
    out = []
    for line in cattrs.transform_error(exc, path=path, format_exception=_format):
        message, _, where = line.rpartition(" @ ")
        out.append((f"{where}: {message}" if message.startswith("'") else f"{where} {message}") if message else line)
    return out


def _load_json(path: Path) -> Any:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder, not a JSON file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x}); "
            "the file is damaged: download or write it again"
        ) from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); download or write it again") from None
    except _Invalid as exc:
        raise ConfigError(f"{path} holds {exc}, which JSON does not allow; write a finite number") from None


def _refuse_constant(name: str) -> Any:
    raise _Invalid(name)


def read_json(path: str | Path) -> dict:
    """Read a JSON object hepzoo wrote (config.json, checkpoint.json), checking its schema version."""
    path = Path(path)
    data = _load_json(path)
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path} holds a JSON {type(data).__name__}, not an object; it was not written by hepzoo"
        )
    if "schema_version" not in data:
        raise ConfigError(f"{path} has no 'schema_version'; it was not written by hepzoo")
    version = data["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConfigError(
            f"{path}: schema_version must be a positive integer such as {SCHEMA_VERSION}, got {_shown(version)}"
        )
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"{path} has schema_version {version}, newer than this hepzoo understands "
            f"({SCHEMA_VERSION}); upgrade with 'pip install -U hepzoo'"
        )
    return data


def read_model_json(path: str | Path) -> dict:
    """A model folder's config.json: exactly the keys save_pretrained writes, each of its kind."""
    path = Path(path)
    data = read_json(path)
    unknown = sorted(set(data) - set(MODEL_FILE_KEYS))
    missing = [k for k in MODEL_FILE_KEYS if k not in data]
    if unknown or missing:
        problem = ", ".join(
            ([f"unknown keys {unknown}"] if unknown else []) + ([f"no {missing}"] if missing else [])
        )
        raise ConfigError(
            f"{path} has {problem}; a model's config.json holds exactly {list(MODEL_FILE_KEYS)} "
            "(write it with save_pretrained)"
        )
    for key, kinds, shown in (("family", (str,), "a string"), ("tag", (str, type(None)), "a string or null"),
                              ("hepzoo_version", (str,), "a string"), ("config", (dict,), "a JSON object")):
        if not isinstance(data[key], kinds):
            raise ConfigError(f"{path}: {key!r} must be {shown}, got {_shown(data[key])}; fix that value")
    if not data["family"]:
        raise ConfigError(f"{path}: 'family' is empty; name the model family (see 'hepzoo plugins')")
    return data


def write_json(path: str | Path, data: dict) -> None:
    """Write JSON with sorted keys and the schema version, atomically (NaN and inf are refused)."""
    path = Path(path)
    payload = {"schema_version": SCHEMA_VERSION, **data}
    try:
        text = json.dumps(payload, indent=2, sort_keys=True, allow_nan=False)
    except ValueError as exc:
        raise ConfigError(f"cannot write {path}: {exc}; a JSON file holds finite numbers only") from None
    atomic_write_text(path, text + "\n")


def evolve(obj: T, **changes: Any) -> T:
    """attrs.evolve, re-exported so plugins need not import attrs for it."""
    return attrs.evolve(obj, **changes)
