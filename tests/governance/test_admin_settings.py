"""ADMIN_USERS and ADMIN_USERGROUP: read from the environment, checked, and never echoed."""

from __future__ import annotations

import pytest

from core.settings import ConfigError, load_settings


def test_admin_users_are_comma_separated_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_USERS", " U012AB3CD, W0456EF7G ,")
    monkeypatch.setenv("ADMIN_USERGROUP", "S0123ABCD")
    settings = load_settings()
    assert settings.ADMIN_USERS == ["U012AB3CD", "W0456EF7G"] and settings.ADMIN_USERGROUP == "S0123ABCD"


def test_unset_or_empty_means_the_workspaces_own_admins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_USERS", "")
    monkeypatch.setenv("ADMIN_USERGROUP", " ")
    settings = load_settings()
    assert settings.ADMIN_USERS == [] and settings.ADMIN_USERGROUP is None


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("ADMIN_USERS", "alice@acme.example", "must be Slack user ids"),
        ("ADMIN_USERS", "U012AB3CD,@bob", "must be Slack user ids"),
        ("ADMIN_USERGROUP", "C0123ABCD", "must be a Slack user group id"),
        ("ADMIN_USERGROUP", "@codat-admins", "must be a Slack user group id"),
    ],
)
def test_a_malformed_value_is_named_not_echoed(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"{name}: {reason}") and value not in message
