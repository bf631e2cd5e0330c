"""Compare nested metric results in tests."""

from __future__ import annotations

__all__ = ["flat_result"]


def flat_result(result: dict, prefix: str = "") -> dict:
    """A nested result as ``{"pt.relative.q50": value}`` (pytest.approx compares flat mappings only)."""
    out = {}
    for key, value in result.items():
        if isinstance(value, (dict, list)):
            out.update(flat_result(dict(enumerate(value)) if isinstance(value, list) else value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out
