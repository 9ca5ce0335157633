"""Verification against the Codat stand-in, over signed HTTP: `/codat-register verify` ticks
"Enabled in Codat" when Codat says enabled (completing the registration when it was the last open
item), and leaves it open with the reason for disabled, 401, 404, 429 and a dead host; `status`
shows it; the summary says where the keys go and how to read them back."""

from __future__ import annotations

import io
import json
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.codat.verification import run_daily_checks
from bot.reminders.views import ActionId
from core.clock import Clock
from core.settings import Settings
from simulators.codat import CodatStandIn
from simulators.secret_manager import Emulator
from simulators.slack.web_api import SlackWebApi
from storage.statuses import ItemStatus
from tests.bot.codat.support import ALICE, Seed
from tests.conftest import RunningBot, with_codat
from tests.handlers.wizard_support import Wizard, texts, updated

NOW = datetime(2026, 6, 10, 10, tzinfo=UTC)
XERO = "/integrations/gbol"


@pytest.fixture
def settings(settings: Settings, codat: CodatStandIn) -> Settings:
    """The shared test settings, with the bot pointed at the Codat stand-in."""
    return with_codat(settings, codat.url)


@pytest.fixture
def seed(bot: RunningBot) -> Seed:
    return Seed(bot.deps.db)


def all_text(body: dict[str, Any]) -> str:
    return body.get("text", "") + "\n" + json.dumps(body.get("blocks", []), ensure_ascii=False)


def command(bot: RunningBot, text: str, user_id: str = ALICE) -> str:
    """The command's ack, as text."""
    response = bot.events.command(text, user_id=user_id)
    assert response.status == 200
    assert isinstance(response.body, dict) and response.body["response_type"] == "ephemeral", response.body
    return all_text(response.body)


def verify(bot: RunningBot, slack_api: SlackWebApi, text: str = "verify xero") -> tuple[str, str]:
    """`text` as a command: its ack, then the answer that came after it through the response_url."""
    before = len(slack_api.ephemerals(ALICE))
    ack = command(bot, text)
    bot.settle()
    answers = slack_api.ephemerals(ALICE)[before:]
    assert len(answers) == 1, answers
    return ack, answers[0]["text"]


def test_enabled_ticks_the_item_and_completes_the_registration(
    bot: RunningBot, slack_api: SlackWebApi, codat: CodatStandIn, seed: Seed
) -> None:
    registration = seed.registration()
    codat.set_enabled("gbol", True)
    ack, answer = verify(bot, slack_api)
    assert "Asking Codat whether *Xero* · production is enabled" in ack
    assert "Codat says *Xero* · production is enabled: I ticked *Enabled in Codat*" in answer
    assert "registration is complete" in answer
    item = seed.item(registration)
    assert item.status == ItemStatus.done and item.completed_by == ALICE
    assert item.next_reminder_at is None  # its reminders end
    assert seed.status(registration) == "completed"
    events = [(e.action, e.surface, e.details) for e in seed.audit() if e.registration_id == registration]
    assert (
        "checklist.done",
        "command",
        {"source": "codat", "platform_key": "gbol", "outcome": "enabled"},
    ) in events
    assert ("registration.completed", "command", {}) in events
    assert codat.calls(XERO) == 1
    check = seed.check(registration)
    assert check is not None and check.outcome == "enabled" and check.next_check_at is None
    # Once enabled, the daily check leaves it alone.
    assert run_daily_checks(bot.deps).claimed == 0 and codat.calls(XERO) == 1


def test_enabled_with_other_items_open_ticks_only_its_own(
    bot: RunningBot, slack_api: SlackWebApi, codat: CodatStandIn, seed: Seed
) -> None:
    registration = seed.registration()
    with bot.deps.db.session() as session:
        from storage.models import ChecklistItem

        other = session.get(ChecklistItem, seed.item(registration, "vault_approved").id)
        assert other is not None
        other.status = ItemStatus.todo
    codat.set_enabled("gbol", True)
    _, answer = verify(bot, slack_api)
    assert "I ticked" in answer and "complete" not in answer
    assert seed.item(registration).status == ItemStatus.done
    assert seed.status(registration) == "in_progress"


def test_disabled_leaves_the_item_open_with_the_reason(
    bot: RunningBot, slack_api: SlackWebApi, codat: CodatStandIn, seed: Seed
) -> None:
    registration = seed.registration()
    _, answer = verify(bot, slack_api, "verify xero production")
    assert "Codat says *Xero* · production is not enabled yet" in answer
    assert "Codat Portal > Settings > Integrations > Accounting > Xero > Set up" in answer
    assert seed.item(registration).status == ItemStatus.todo
    assert seed.status(registration) == "in_progress"
    check = seed.check(registration)
    assert check is not None and check.outcome == "not_enabled" and check.http_status == 200
    assert "Codat: not enabled · checked" in command(bot, "status")
    assert "Codat: not enabled · checked" in command(bot, "status xero")


def test_a_refused_key_is_said_plainly_and_stored(
    bot: RunningBot, slack_api: SlackWebApi, codat: CodatStandIn, seed: Seed
) -> None:
    registration = seed.registration()
    codat.set_api_key("another-key")  # ours was revoked
    codat.set_enabled("gbol", True)
    _, answer = verify(bot, slack_api)
    assert "CODAT_API_KEY was refused" in answer and "*Enabled in Codat* stays open" in answer
    assert seed.item(registration).status == ItemStatus.todo
    check = seed.check(registration)
    assert check is not None and check.outcome == "key_refused" and check.http_status == 401
    assert "Codat: not checked — CODAT_API_KEY was refused" in command(bot, "status")


def test_an_unknown_platform_key_is_reported(
    bot: RunningBot, slack_api: SlackWebApi, codat: CodatStandIn, seed: Seed
) -> None:
    registration = seed.registration()
    codat.remove_integration("gbol")
    _, answer = verify(bot, slack_api)
    assert "Codat has no integration with the key `gbol`" in answer
    assert seed.item(registration).status == ItemStatus.todo
    assert "Codat: not checked — Codat has no integration with the key `gbol`" in command(bot, "status")


def test_rate_limited_waits_for_retry_after(
    bot: RunningBot, slack_api: SlackWebApi, codat: CodatStandIn, seed: Seed, clock: Clock
) -> None:
    clock.set(NOW)
    registration = seed.registration()
    codat.rate_limit_next(retry_after_seconds=int(timedelta(days=2).total_seconds()))
    codat.set_enabled("gbol", True)
    _, answer = verify(bot, slack_api)
    assert "Codat's rate limit was reached" in answer
    check = seed.check(registration)
    assert check is not None and check.outcome == "rate_limited"
    assert check.not_before == NOW + timedelta(days=2) and check.next_check_at == NOW + timedelta(days=2)
    assert "rate limit was reached; next check after" in command(bot, "status")
    # Asking again before Retry-After sends nothing to Codat.
    _, answer = verify(bot, slack_api)
    assert "Codat asked me to slow down" in answer and codat.calls(XERO) == 1
    # Nor does the daily check, a day later …
    clock.set(NOW + timedelta(days=1, hours=1))
    assert run_daily_checks(bot.deps).checked == 0 and codat.calls(XERO) == 1
    # … but once Retry-After has passed it asks, and Codat says enabled.
    clock.set(NOW + timedelta(days=2, minutes=1))
    assert run_daily_checks(bot.deps).ticked == 1 and codat.calls(XERO) == 2
    assert seed.status(registration) == "completed"
    assert seed.item(registration).completed_by == "codat-register"


def test_a_dead_host_leaves_the_item_open_without_a_traceback(
    bot: RunningBot, slack_api: SlackWebApi, seed: Seed, log_output: io.StringIO
) -> None:
    with socket.socket() as probe:  # a port nothing listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot.deps.codat.close()  # type: ignore[union-attr]
    from bot.codat.client import CodatClient

    bot.deps.codat = CodatClient(f"http://127.0.0.1:{port}", "codat-test-key", timeout=2)
    registration = seed.registration()
    _, answer = verify(bot, slack_api)
    assert "I could not check *Xero* · production: Codat could not be reached" in answer
    assert seed.item(registration).status == ItemStatus.todo
    check = seed.check(registration)
    assert check is not None and check.outcome == "unreachable" and check.http_status is None
    assert "Codat: not checked — Codat could not be reached" in command(bot, "status")
    assert "Traceback" not in log_output.getvalue()


def test_done_on_the_codat_item_points_to_verify(bot: RunningBot, seed: Seed) -> None:
    registration = seed.registration()
    text = command(bot, "done xero enabled_in_codat")
    assert "ticks itself once Codat says *Xero* · production is enabled" in text
    assert "/codat-register verify xero production" in text
    assert seed.item(registration).status == ItemStatus.todo


def test_verify_names_what_is_missing(bot: RunningBot, seed: Seed, codat: CodatStandIn) -> None:
    assert "Usage: `/codat-register verify <platform>" in command(bot, "verify")
    assert "There is no Xero registration to check" in command(bot, "verify xero")
    seed.registration(environment="sandbox")
    seed.registration(environment="production")
    assert "add `sandbox` or `production`" in command(bot, "verify xero")
    assert codat.calls() == 0


def test_status_without_a_check_says_not_checked(bot: RunningBot, seed: Seed) -> None:
    seed.registration(stored=False)
    seed.registration("sage-intacct", codat_item=None)  # made before the item existed: no line
    text = command(bot, "status")
    assert "*Xero* · production · 11/12 done · next: enabled in codat · Codat: not checked" in text
    sage = next(line for line in text.splitlines() if line.startswith("*Sage Intacct*"))
    assert "Codat" not in sage


def test_the_summary_says_where_the_keys_go_and_how_to_read_them(
    bot: RunningBot, slack_api: SlackWebApi, secret_manager: Emulator
) -> None:
    # Production credentials wait for a second admin by default (tests/approvals); not the point here.
    bot.deps.settings = bot.deps.settings.model_copy(update={"PRODUCTION_APPROVALS": 0})
    wizard = Wizard(bot, slack_api)
    wizard.start("start xero production")
    wizard.submit({"agreements": "yes", "vault_status": "approved", "contacted": ["contacted"]})
    view = wizard.current()
    checks = [o["value"] for b in view["blocks"] if b.get("block_id", "").startswith("registration_checks")
              for o in b["element"]["options"]]  # fmt: skip
    wizard.submit({"mailbox": "xero-admins@acme.example", "registration_checks": checks})
    credentials = wizard.current()
    assert "enabled_in_codat" not in json.dumps(credentials["blocks"])  # no checkbox: Codat ticks it
    view = updated(
        wizard.submit({"credential_client_id": "xero-id", "credential_client_secret": "xero-secret"})
    )
    (ref,) = wizard.refs()
    project, secret, version = (ref.resource_name.split("/")[i] for i in (1, 3, 5))
    summary = texts(view)
    assert "Codat Portal > Settings > Integrations > Accounting > Xero > Set up" in summary
    assert "https://app.codat.io/settings/integrations/accounting" in summary
    assert f"gcloud secrets versions access {version} --secret={secret} --project={project}" in summary
    assert "roles/secretmanager.secretAccessor" in summary and "I never read it back" in summary
    assert "/codat-register verify xero production" in summary
    assert wizard.items()["enabled_in_codat"].status == ItemStatus.todo


def test_the_digests_done_button_on_the_codat_item_points_to_verify(
    bot: RunningBot, slack_api: SlackWebApi, clock: Clock
) -> None:
    from tests.reminders.conftest import WEDNESDAY_10_UTC, fast
    from tests.reminders.conftest import Seed as ReminderSeed
    from tests.reminders.test_handlers import click, digest_for, dm

    clock.set(WEDNESDAY_10_UTC)
    deps = fast(bot.deps)
    seed = ReminderSeed(bot.deps.db)
    registration = seed.registration(created_by=ALICE, platform="xero", environment="production")
    item = seed.item(
        registration, "enabled_in_codat", owner=ALICE, next_at=WEDNESDAY_10_UTC - timedelta(hours=1)
    )
    message = digest_for(deps, slack_api, ALICE)
    assert "Enabled in Codat" in json.dumps(message["blocks"])
    click(bot, ActionId.done, item, message, user_id=ALICE, channel=dm(ALICE))
    (told,) = slack_api.ephemerals(ALICE)
    assert "ticks itself once Codat says *Xero* · production is enabled" in told["text"]
    assert seed.get(item).status == ItemStatus.todo
    assert slack_api.calls_to("chat.update") == []
