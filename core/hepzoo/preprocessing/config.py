"""attrs configs of the preprocessing transforms; they round-trip through config.json by their ``kind``.

A family's config holds one field typed ``TransformConfig`` (any kind, a chain included); the
hooks below, registered on hepzoo's one cattrs converter, write ``{"kind": ..., fields...}`` and
build the right class back from it. Importing this module needs no torch.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from hepzoo.config import converter, positive
from hepzoo.errors import ConfigError

__all__ = [
    "TransformConfig",
    "StandardizeConfig",
    "LogitConfig",
    "LogConfig",
    "PerFeatureConfig",
    "ChainConfig",
    "transform_kinds",
]


def _positive_float(instance, attribute, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value == float("inf"):
        raise ConfigError(f"{attribute.name} must be a positive finite number, got {value!r}")


@attrs.frozen
class TransformConfig:
    """Base of every transform config; ``kind`` names it in config.json, ``n_features`` its width."""

    kind: ClassVar[str] = ""

    def build(self):
        """The ``nn.Module`` this config describes (unfitted)."""
        from hepzoo.preprocessing.transforms import build_transform

        return build_transform(self)


@attrs.frozen
class StandardizeConfig(TransformConfig):
    """Per-feature ``(x - mean) / (std / scale)``; ``scale`` is the target width (EPiC-GAN: 5)."""

    kind: ClassVar[str] = "standardize"
    n_features: int = attrs.field(validator=positive)
    scale: float = attrs.field(default=1.0, validator=_positive_float)


@attrs.frozen
class LogitConfig(TransformConfig):
    """``logit(alpha + (1 - 2 alpha) x)`` for x in [0, 1] (CaloDiffusion, arXiv:2308.03876)."""

    kind: ClassVar[str] = "logit"
    n_features: int = attrs.field(validator=positive)
    alpha: float = attrs.field(default=1e-6)

    @alpha.validator
    def _check_alpha(self, attribute, value) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 0.5:
            raise ConfigError(f"alpha must lie in (0, 0.5), got {value!r}")


@attrs.frozen
class LogConfig(TransformConfig):
    """``log(x)`` or, with ``plus_one``, ``log(1 + x)`` (PC-JeDi's squashed constituent pT)."""

    kind: ClassVar[str] = "log"
    n_features: int = attrs.field(validator=positive)
    plus_one: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))


@attrs.frozen
class PerFeatureConfig(TransformConfig):
    """Apply ``transform`` to the feature ``columns`` of ``n_features`` only; the rest pass unchanged."""

    kind: ClassVar[str] = "per_feature"
    n_features: int = attrs.field(validator=positive)
    columns: tuple[int, ...] = attrs.field(converter=tuple)
    transform: TransformConfig = attrs.field()

    @columns.validator
    def _check_columns(self, attribute, value) -> None:
        if not value or len(set(value)) != len(value) or any(
            isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < self.n_features for c in value
        ):
            raise ConfigError(
                f"columns must be distinct feature indices in [0, {self.n_features}), got {list(value)}"
            )

    @transform.validator
    def _check_transform(self, attribute, value) -> None:
        if not isinstance(value, TransformConfig):
            raise ConfigError(f"transform must be a transform config, got {type(value).__name__}")
        if value.n_features != len(self.columns):
            raise ConfigError(
                f"the per-feature transform takes {value.n_features} features but {len(self.columns)} "
                f"columns {list(self.columns)} are chosen; make them match"
            )


@attrs.frozen
class ChainConfig(TransformConfig):
    """Transforms applied in order (inverted in reverse order)."""

    kind: ClassVar[str] = "chain"
    steps: tuple[TransformConfig, ...] = attrs.field(converter=tuple)

    @steps.validator
    def _check_steps(self, attribute, value) -> None:
        if not value:
            raise ConfigError("a chain needs at least one transform")
        if not all(isinstance(s, TransformConfig) for s in value):
            raise ConfigError("every step of a chain must be a transform config")
        widths = {s.n_features for s in value}
        if len(widths) != 1:
            raise ConfigError(f"the steps of a chain take different feature counts {sorted(widths)}; make them equal")

    @property
    def n_features(self) -> int:
        return self.steps[0].n_features


_KINDS: dict[str, type[TransformConfig]] = {
    c.kind: c for c in (StandardizeConfig, LogitConfig, LogConfig, PerFeatureConfig, ChainConfig)
}


def transform_kinds() -> dict[str, type[TransformConfig]]:
    """``{kind: config class}`` of every transform config config.json can name."""
    return dict(_KINDS)


def _is_transform_config(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, TransformConfig)


def _unstructure(obj: TransformConfig) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": obj.kind}
    for field in attrs.fields(type(obj)):
        value = getattr(obj, field.name)
        if isinstance(value, tuple):
            out[field.name] = [converter.unstructure(v) for v in value]
        else:
            out[field.name] = converter.unstructure(value)
    return out


def _structure(data: Any, cls: type[TransformConfig]) -> TransformConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"a transform config must be a JSON object with a 'kind', got {data!r}")
    kinds = _KINDS
    kind = data.get("kind")
    if kind not in kinds:
        raise ConfigError(f"unknown transform kind {kind!r}; known: {sorted(kinds)}")
    target = kinds[kind]
    if not issubclass(target, cls):
        raise ConfigError(f"expected a {cls.kind or 'transform'} config here, got kind {kind!r}")
    fields = {f.name: f for f in attrs.fields(target)}
    extra = sorted(set(data) - set(fields) - {"kind"})
    if extra:
        raise ConfigError(f"unknown keys {extra} in a {kind!r} transform")
    missing = sorted(n for n, f in fields.items() if f.default is attrs.NOTHING and n not in data)
    if missing:
        raise ConfigError(f"missing keys {missing} in a {kind!r} transform")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if name == "kind":
            continue
        if name in ("transform",):
            kwargs[name] = _structure(value, TransformConfig)
        elif name == "steps":
            if not isinstance(value, list):
                raise ConfigError(f"'steps' of a chain must be a list, got {value!r}")
            kwargs[name] = tuple(_structure(v, TransformConfig) for v in value)
        elif name == "columns":
            if not isinstance(value, list):
                raise ConfigError(f"'columns' must be a list of feature indices, got {value!r}")
            kwargs[name] = tuple(value)
        else:
            kwargs[name] = value
    return target(**kwargs)


converter.register_unstructure_hook_func(_is_transform_config, _unstructure)
converter.register_structure_hook_func(_is_transform_config, _structure)
