"""A run's summary and curves for its card, read back from train_log.jsonl."""

from __future__ import annotations

import json

import pytest

from hepzoo.errors import InvalidDataError
from hepzoo.training.curves import plot_training_curves, training_summary


def _log(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_summary_counts_training_time_once_across_resumptions_and_takes_the_engines_best(tmp_path):
    log = _log(tmp_path / "train_log.jsonl", [
        {"event": "train", "step": 100, "steps_per_s": 4.0, "d_loss": 0.1},
        {"event": "valid", "step": 100, "w1m": 0.02, "score": 2.0, "best": True},
        {"event": "done", "step": 150, "train_seconds": 40.0},
        {"event": "resume", "step": 150},
        {"event": "train", "step": 200, "steps_per_s": 6.0, "d_loss": 0.1},
        {"event": "valid", "step": 200, "w1m": 0.01, "score": 1.0, "best": True},
        {"event": "valid", "step": 300, "w1m": 0.015, "score": 0.9, "best": False},  # rescored after a resume
        {"event": "done", "step": 300, "train_seconds": 95.0},  # the engine's count is cumulative
    ])
    summary = training_summary(tmp_path)
    assert summary["train_seconds"] == 95.0 and summary["resumptions"] == 1 and summary["steps"] == 300
    assert summary["best_step"] == 200 and summary["best_metrics"] == {"w1m": 0.01}
    assert summary["median_steps_per_s"] == 5.0
    png = plot_training_curves(log, tmp_path / "curves.png")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_a_log_cut_short_by_a_kill_is_read_and_one_without_validation_is_refused(tmp_path):
    log = tmp_path / "train_log.jsonl"
    log.write_text('{"event": "valid", "step": 10, "w1m": 0.5, "score": 1.0, "best": true}\n{"event": "tra')
    assert training_summary(log)["best_step"] == 10
    _log(log, [{"event": "train", "step": 1}])
    with pytest.raises(InvalidDataError, match="no validation records"):
        training_summary(log)


def test_a_diverged_validation_logged_as_nan_is_never_the_best(tmp_path):
    log = _log(tmp_path / "train_log.jsonl", [
        {"event": "valid", "step": 10, "w1m": 0.02, "score": 2.0, "best": True},
        {"event": "valid", "step": 20, "w1m": "nan", "score": "nan", "best": True},  # as the log writes NaN
    ])
    assert training_summary(log)["best_step"] == 10
    assert plot_training_curves(log, tmp_path / "c.png").is_file()


def test_a_missing_log_is_one_line_naming_it(tmp_path):
    with pytest.raises(InvalidDataError, match="does not exist") as info:
        training_summary(tmp_path / "nowhere" / "train_log.jsonl")
    assert "\n" not in str(info.value)
