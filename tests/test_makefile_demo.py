"""`make demo` must rebuild the reference its model's card was evaluated on, or its numbers do not reproduce."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _variable(makefile: str, name: str) -> str:
    return re.search(rf"^{name} \?=(.*)$", makefile, re.M).group(1).strip()


def test_demo_reference_is_the_cards_reference():
    makefile = (ROOT / "Makefile").read_text()
    model, dataset = _variable(makefile, "DEMO_MODEL"), _variable(makefile, "DEMO_DATASET")
    card = (ROOT / "registry" / model / "README.md").read_text()
    make_line = next(line for line in makefile.splitlines() if "hepzoo data make" in line)
    assert "$(DEMO_REF_OPTIONS)" in make_line and "--seed 2" in make_line
    card_command = next(line for line in card.splitlines() if line.startswith(f"hepzoo data make {dataset} "))
    assert f"-n {_variable(makefile, 'DEMO_REF')} " in card_command and "--seed 2 " in card_command
    options = _variable(makefile, "DEMO_REF_OPTIONS")
    assert options in card_command and ("--set" in card_command) == bool(options)
    assert f"hepzoo sample {model} -n {_variable(makefile, 'DEMO_N')} --seed 1 " in card
