"""`make demo` must rebuild the reference the published card was evaluated on, or its numbers do not reproduce."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_reference_uses_the_cards_recipe():
    makefile = (ROOT / "Makefile").read_text()
    card = (ROOT / "registry" / "epic-gan" / "jetnet150-top" / "README.md").read_text()
    options = re.search(r"^DEMO_REF_OPTIONS \?= (.+)$", makefile, re.M).group(1).strip()
    assert "$(DEMO_REF_OPTIONS)" in next(line for line in makefile.splitlines() if "hepzoo data make" in line)
    card_command = next(line for line in card.splitlines() if line.startswith("hepzoo data make jetnet150-top"))
    assert options in card_command
