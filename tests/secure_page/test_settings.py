"""PUBLIC_URL, SECRET_INTAKE, SECURE_LINK_MINUTES and Sign in with Slack's settings: the contract's
names, their defaults, and what is refused (with a message naming the setting, never a value)."""

from __future__ import annotations

import logging

import pytest

import runtime
from core.settings import ConfigError, SecretIntake, load_settings


def test_the_secure_page_is_offered_beside_the_modal_once_public_url_is_set() -> None:
    assert load_settings().secret_intake is SecretIntake.modal
    assert load_settings(SECRET_INTAKE="modal").secret_intake is SecretIntake.modal
    public = load_settings(PUBLIC_URL="https://codat-register.example.com/")
    assert public.PUBLIC_URL == "https://codat-register.example.com"
    assert public.secret_intake is SecretIntake.both and public.SECURE_LINK_MINUTES == 10
    assert (
        load_settings(PUBLIC_URL="https://a.example", SECRET_INTAKE="link").secret_intake is SecretIntake.link
    )
    assert load_settings(PUBLIC_URL="http://127.0.0.1:3000").secret_intake is SecretIntake.both
    assert not public.sign_in_with_slack
    signed = load_settings(SLACK_CLIENT_ID="123.456", SLACK_CLIENT_SECRET="client-secret-value")
    assert signed.sign_in_with_slack


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"PUBLIC_URL": "http://codat-register.example.com"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://codat-register.example.com/bot"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://user:pw@codat-register.example.com"}, "PUBLIC_URL"),
        ({"SECRET_INTAKE": "link"}, "needs PUBLIC_URL"),
        ({"SECRET_INTAKE": "browser"}, "SECRET_INTAKE"),
        ({"SECURE_LINK_MINUTES": "0"}, "SECURE_LINK_MINUTES"),
        ({"SLACK_CLIENT_ID": "123.456"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_SECRET": "client-secret-value"}, "SLACK_CLIENT_ID"),
    ],
)
def test_what_is_refused(settings: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(**settings)  # type: ignore[arg-type]
    assert named in str(refused.value)
    assert "client-secret-value" not in str(refused.value) and "user:pw" not in str(refused.value)


def test_socket_mode_has_no_secure_page_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_APP_TOKEN="xapp-1",
        PUBLIC_URL="https://a.example",
        SECRET_INTAKE="link",
    )
    assert settings.secret_intake is SecretIntake.modal
    with caplog.at_level(logging.INFO, logger="codat_register"):
        runtime._say_modal_only(settings)
    (line,) = [r for r in caplog.records if "Socket Mode" in r.getMessage()]
    assert line.levelno == logging.WARNING and "SECRET_INTAKE=link is ignored" in line.getMessage()
