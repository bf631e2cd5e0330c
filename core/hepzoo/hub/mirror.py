"""``hepzoo mirror``'s sources: every model id checked and its files verified before anything is copied."""

from __future__ import annotations

from pathlib import Path

from hepzoo.errors import ConfigError, HepzooError

__all__ = ["mirror_sources"]


def mirror_sources(model_ids: list[str]) -> dict[str, Path]:
    """The verified local folder of each registered id; if any id is bad, one ConfigError naming them all."""
    from hepzoo.api import locate
    from hepzoo.hub.resolve import parse_model_id

    sources: dict[str, Path] = {}
    problems: list[str] = []
    for model_id in model_ids:
        try:
            if parse_model_id(model_id).kind != "registered":
                raise ConfigError("mirror copies registered models (family/tag) only")
            sources[model_id] = locate(model_id)
        except HepzooError as exc:
            problems.append(f"{model_id!r}: {exc}")
    if problems:
        raise ConfigError(f"nothing was mirrored; fix or drop these ids first — {' | '.join(problems)}")
    return sources
