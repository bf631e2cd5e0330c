"""A run's training curves and summary, read back from its train_log.jsonl."""

from __future__ import annotations

import json

import pytest

from hepzoo.errors import InvalidDataError
from hepzoo.training import plot_training_curves, training_summary


def _log(tmp_path, records):
    path = tmp_path / "train_log.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


RUN = [
    {"event": "train", "step": 10, "loss": 1.0, "steps_per_s": 4.0},
    {"event": "valid", "step": 10, "w1m": 0.02, "score": 2.0},
    {"event": "done", "step": 10, "train_seconds": 30.0},
    {"event": "resume", "step": 10},
    {"event": "train", "step": 20, "loss": 0.5, "steps_per_s": 6.0},
    {"event": "valid", "step": 20, "w1m": 0.01, "score": 1.0},
    {"event": "valid", "step": 30, "w1m": "nan", "score": "nan"},  # a diverged validation, as the log writes it
    {"event": "done", "step": 30, "train_seconds": 12.5},
]


def test_summary_adds_resumed_seconds_and_picks_the_best_finite_score(tmp_path):
    summary = training_summary(_log(tmp_path, RUN))
    assert summary["steps"] == 30 and summary["resumptions"] == 1 and summary["validations"] == 3
    assert summary["train_seconds"] == 42.5 and summary["median_steps_per_s"] == 5.0
    assert summary["best_step"] == 20 and summary["best_metrics"] == {"w1m": 0.01}
    assert training_summary(tmp_path)["best_step"] == 20  # the run folder works too


def test_curves_are_a_png(tmp_path):
    out = plot_training_curves(_log(tmp_path, RUN), tmp_path / "curves.png")
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("records, match", [(None, "does not exist"), ([RUN[0]], "no validation records")])
def test_a_missing_or_unvalidated_log_is_one_line(tmp_path, records, match):
    path = tmp_path / "train_log.jsonl" if records is None else _log(tmp_path, records)
    with pytest.raises(InvalidDataError, match=match) as info:
        training_summary(path)
    assert "\n" not in str(info.value)
