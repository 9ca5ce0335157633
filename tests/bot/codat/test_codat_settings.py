"""CODAT_API_KEY and CODAT_API_URL: optional, https (or http on loopback only), never printed."""

from __future__ import annotations

import pytest

from core.settings import ConfigError, load_settings, reveal


def test_codat_is_off_by_default_and_points_at_codat() -> None:
    settings = load_settings(CODAT_API_KEY=None)
    assert settings.CODAT_API_URL == "https://api.codat.io" and not settings.codat_configured
    assert not load_settings(CODAT_API_KEY="  ").codat_configured  # blank counts as unset


def test_a_key_and_a_loopback_stand_in_are_accepted() -> None:
    settings = load_settings(CODAT_API_KEY="k-123", CODAT_API_URL="http://127.0.0.1:8086/")
    assert settings.codat_configured and reveal(settings.CODAT_API_KEY) == "k-123"
    assert settings.CODAT_API_URL == "http://127.0.0.1:8086"


@pytest.mark.parametrize(
    "url", ["http://api.codat.io", "http://10.1.2.3:8086", "ftp://127.0.0.1", "https://user:pw@api.codat.io"]
)
def test_anything_else_is_refused_with_a_hint_and_no_value(url: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(CODAT_API_URL=url, CODAT_API_KEY="secret-codat-key-42")
    message = str(raised.value)
    assert message.startswith("CODAT_API_URL:") and "api.codat.io" in message
    assert "secret-codat-key-42" not in message and "pw@" not in message
