"""The two ways the bot is installed: OAuth mode (client id and secret, no bot token) and
single-token mode (a bot token; with a client id and secret too, those serve Sign in with Slack
only, said once at start-up); and what each does when Slack says the app was uninstalled."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from bot.slack.installations import InstalledClients
from core.clock import Clock
from core.settings import ConfigError, load_settings
from runtime import build_deps, describe_slack_mode
from simulators.secret_manager import Emulator
from simulators.slack.web_api import SlackWebApi
from storage import workspaces
from storage.db import Database
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, RunningBot
from tests.reminders.conftest import Seed
from tests.support.oauth import GLOBEX, GRACE, oauth_settings_for, start_oauth_bot, stop_oauth_bot


def test_client_id_and_secret_without_a_bot_token_install_through_oauth(
    tmp_path: Path, slack: SlackWebApi, secret_manager: Emulator, db: Database, oauth_clock: Clock
) -> None:
    settings = oauth_settings_for(tmp_path, slack, secret_manager, db)
    assert settings.oauth_install and settings.slack_configured
    assert settings.slack_authorize_url == slack.url.removesuffix("api/") + "oauth/v2/authorize"
    deps = build_deps(settings, clock=oauth_clock, db=db)
    assert deps.installations is not None
    assert isinstance(deps.slack.clients, InstalledClients)
    assert deps.client is not None and deps.client.token is None  # no workspace's token of its own
    assert "installed through OAuth" in describe_slack_mode(settings)


def test_a_bot_token_with_a_client_id_stays_in_single_token_mode_and_says_so_once(
    settings: object, log_output: io.StringIO
) -> None:
    from runtime import build_runtime, shutdown

    values = settings.model_dump()  # type: ignore[attr-defined]
    values |= {"SLACK_CLIENT_ID": "1234567890.0987654321", "SLACK_CLIENT_SECRET": "client-secret-for-sign-in"}
    both = load_settings(**values)
    assert not both.oauth_install
    deps, _app = build_runtime(both)
    try:
        assert deps.installations is None
        assert deps.slack.client.token == BOT_TOKEN
    finally:
        shutdown(deps)
    said = [line for line in log_output.getvalue().splitlines() if "single-workspace mode" in line]
    assert len(said) == 1
    assert "used only for Sign in with Slack" in said[0]
    assert "client-secret-for-sign-in" not in log_output.getvalue()


def test_oauth_needs_http_mode(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN is set without SLACK_BOT_TOKEN"):
        load_settings(
            SLACK_BOT_TOKEN=None,
            SLACK_APP_TOKEN="xapp-1-socket",
            SLACK_CLIENT_ID="1234567890.0987654321",
            SLACK_CLIENT_SECRET="secret",
            DATA_DIR=tmp_path,
        )


def test_a_signing_secret_alone_asks_for_a_bot_token_or_the_client_id(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"SLACK_BOT_TOKEN is not set .* SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
    ):
        load_settings(
            SLACK_BOT_TOKEN=None,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_CLIENT_ID=None,
            SLACK_CLIENT_SECRET=None,
            DATA_DIR=tmp_path,
        )
    with pytest.raises(ConfigError, match="both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"):
        load_settings(SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_CLIENT_ID="1234", SLACK_CLIENT_SECRET=None)


def test_single_token_mode_acknowledges_uninstalls_and_keeps_reminders(bot: RunningBot, db: Database) -> None:
    seed = Seed(db, team_id=TEAM_ID)
    item = seed.item(seed.registration(), "vault_approved", owner="U0ALICE", next_at=bot.deps.clock.now())
    answers = [bot.events.tokens_revoked(bot=("U0BOT",)), bot.events.app_uninstalled()]
    assert [answer.status for answer in answers] == [200, 200]
    assert seed.get(item).next_reminder_at is not None
    assert not workspaces.is_uninstalled(db, TEAM_ID)


def test_purge_on_uninstall_deletes_the_workspaces_rows_but_never_its_secrets(
    tmp_path: Path,
    slack: SlackWebApi,
    secret_manager: Emulator,
    db: Database,
    oauth_clock: Clock,
    log_output: io.StringIO,
) -> None:
    settings = oauth_settings_for(tmp_path, slack, secret_manager, db, PURGE_ON_UNINSTALL=True)
    bot = start_oauth_bot(settings, db, oauth_clock, slack)
    try:
        bot.install(f"team:{GLOBEX}")
        seed = Seed(db, team_id=GLOBEX)
        registration = seed.registration(created_by=GRACE)
        seed.item(registration, "vault_approved", owner=GRACE, next_at=oauth_clock.now() + timedelta(days=1))
        bot.deps.vault.store(
            team_id=GLOBEX,
            registration_id=registration,
            platform="xero",
            environment="sandbox",
            field="credentials",
            value='{"client_id": "purge-test-id", "client_secret": "purge-test-secret"}',
            actor=GRACE,
        )
        secrets_before = secret_manager.secrets()
        assert secrets_before
        calls_before = len(secret_manager.calls)

        assert [answer.status for answer in bot.events(GLOBEX).uninstall()] == [200, 200]

        assert workspaces.count_rows(db, GLOBEX) == {"audit_events": 1, "audit_heads": 1}
        assert seed.audit_actions() == ["app.uninstalled"]
        assert secret_manager.secrets() == secrets_before  # Secret Manager keeps them
        assert secret_manager.calls[calls_before:] == []  # the bot did not even ask
        assert (
            "uninstalled from workspace T0002: 1 reminder(s) stopped, its data deleted"
            in log_output.getvalue()
        )
    finally:
        stop_oauth_bot(bot)
