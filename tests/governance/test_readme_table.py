"""README > Governance shows the policy's table as it is in bot/governance/policy.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.governance.policy import ROLES, TABLE

README = Path(__file__).resolve().parents[2] / "README.md"
HEADER = "| action | " + " | ".join(role.value for role in ROLES) + " |"


def test_the_readme_table_is_the_policys() -> None:
    text = README.read_text(encoding="utf-8")
    if HEADER not in text:
        pytest.skip("README > Governance is not merged yet")
    lines = text[text.index(HEADER) :].splitlines()[2 : 2 + len(TABLE)]
    shown = [tuple(cell.strip() == "✓" for cell in line.strip("|").split("|")[1:]) for line in lines]
    assert shown == list(TABLE.values())
