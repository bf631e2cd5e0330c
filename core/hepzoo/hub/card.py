"""Hub model cards: YAML front matter (library_name, license, tags, datasets, metrics) + markdown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from hepzoo.errors import ConfigError

if TYPE_CHECKING:
    from hepzoo.conditions import Condition

__all__ = ["ModelCard", "parse_front_matter", "condition_dict", "card_metrics"]


@attrs.define
class ModelCard:
    """What ``README.md`` of a published model says; ``body`` is free markdown (results, compute)."""

    title: str = ""
    description: str = ""
    license: str = "mit"
    tags: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    metrics: dict[str, Any] = attrs.field(factory=dict)
    body: str = ""
    metrics_by_condition: dict[str, dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    """``{condition: {label: metrics}}``: a model released once per value of a condition (``card_metrics``)."""
    fidelity: dict[str, Any] = attrs.field(factory=dict)
    """The time-vs-fidelity measurement of ``hepzoo release --fidelity`` (``hepzoo.hub.fidelity``)."""

    def render(self, family: str, tag: str | None, conditions: Sequence[Condition] = ()) -> str:
        """The README.md; ``conditions`` (the model's declared ones) get a table and the front matter."""
        tags = ["hepzoo", "high-energy-physics", "fast-simulation", family, *self.tags]
        tags += [f"arxiv:{p}" for p in self.papers]
        lines = ["---", "library_name: hepzoo", f"license: {self.license}", "tags:"]
        lines += [f"- {json.dumps(t)}" for t in dict.fromkeys(tags)]
        if self.datasets:
            lines += ["datasets:"] + [f"- {json.dumps(d)}" for d in self.datasets]
        if self.metrics:
            lines += ["metrics:"] + [f"- {json.dumps(m)}" for m in self.metrics]
            lines += [f"hepzoo_metrics: {json.dumps(self.metrics, sort_keys=True)}"]
        if self.metrics_by_condition:
            names = dict.fromkeys(m for by in self.metrics_by_condition.values() for v in by.values() for m in v)
            lines += [] if self.metrics else ["metrics:"] + [f"- {json.dumps(m)}" for m in names]
            lines += [f"hepzoo_metrics_by_condition: {json.dumps(self.metrics_by_condition, sort_keys=True)}"]
        if self.fidelity:
            lines += [f"hepzoo_fidelity: {json.dumps(self.fidelity, sort_keys=True)}"]
        if conditions:
            lines += [f"hepzoo_conditions: {json.dumps([condition_dict(c) for c in conditions])}"]
        lines += ["---", ""]
        model_id = f"{family}/{tag}" if tag else family
        lines += [f"# {self.title or model_id}", ""]
        if self.description:
            lines += [self.description, ""]
        lines += [
            "```python",
            "import hepzoo",
            f'model = hepzoo.load("{model_id}")',
            "events = model.sample(10_000, seed=1)",
            "```",
            "",
        ]
        lines += _conditions_section(conditions)
        if self.body:
            lines += [self.body.strip(), ""]
        return "\n".join(lines)


def condition_dict(condition: Condition) -> dict[str, Any]:
    """A declared condition as plain JSON values (name, unit, kind, labels, low, high, description)."""
    out = attrs.asdict(condition)
    out["labels"] = list(out["labels"])
    return out


def _conditions_section(conditions: Sequence[Condition]) -> list[str]:
    """A markdown table of the conditions ``sample(cond=...)`` accepts (none: unconditional)."""
    if not conditions:
        return []
    lines = [
        "## Conditions",
        "",
        "Fix them with `model.sample(n, cond={...})` or `hepzoo sample ID --cond name=value`; "
        "the ones not given come from the model's prior.",
        "",
        "| name | kind | unit | valid values | description |",
        "|---|---|---|---|---|",
    ]
    for c in conditions:
        lines.append(f"| {c.name} | {c.kind} | {c.unit or '-'} | {c.describe()} | {c.description or '-'} |")
    return [*lines, ""]


def card_metrics(front: dict[str, Any], pinned_conditions: dict[str, Any] | None = None) -> dict[str, Any]:
    """The card's metrics for one id: ``hepzoo_metrics``, or with pins the per-value entry of ``hepzoo_metrics_by_condition``.

    ``front`` is ``parse_front_matter``'s result; ``pinned_conditions`` (e.g. ``{"type": "top"}``,
    by label as the card writes them) pick the metrics of the id that pins that value.
    """
    if not pinned_conditions:
        return dict(front.get("hepzoo_metrics") or {})
    by = front.get("hepzoo_metrics_by_condition") or {}
    if len(pinned_conditions) != 1:
        raise ConfigError(f"a card holds metrics per value of one condition; {pinned_conditions} pins several")
    ((name, value),) = pinned_conditions.items()
    if str(value) not in by.get(name, {}):
        held = {k: sorted(v) for k, v in by.items()}
        raise ConfigError(f"the card holds no metrics for {name}={value} (it has {held or 'none per condition'}); "
                          "release the model with --reference NAME=VALUE:FILE for that value")
    return dict(by[name][str(value)])


def parse_front_matter(text: str) -> dict[str, Any]:
    """The front matter hepzoo writes (one ``key: value`` or ``- item`` per line) as a dict.

    It lies between a first line ``---`` and the next line that is exactly ``---`` (a ``---``
    inside a value does not end it); text without that block has none.
    """
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != "---":
        return {}
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.rstrip() == "---")
    except StopIteration:
        return {}
    out: dict[str, Any] = {}
    key = None
    for line in lines[1:end]:
        if line.startswith("- ") and key:
            items = out.setdefault(key, [])
            if isinstance(items, list):
                items.append(_value(line[2:]))
        elif ":" in line and not line.startswith((" ", "-")):
            key, _, rest = line.partition(":")
            key = key.strip()
            if rest.strip():
                out[key] = _value(rest.strip())
    return out


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw
