"""A French-speaking person (Slack locale fr-FR) does everything in French; reminders and DMs use
the recipient's language; `language fr|en|auto` overrides the locale."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.catalogue import texts as catalogue_texts
from bot.language import texts as language_texts
from bot.reminders import texts as reminder_texts
from bot.wizard import texts as wizard_texts
from core.i18n import use_language
from simulators.secret_manager import Emulator
from simulators.slack.web_api import SlackWebApi
from tests.conftest import RunningBot
from tests.handlers.wizard_support import PREREQS_DONE, Wizard, errors, texts, updated
from tests.reminders.conftest import ALICE, WEDNESDAY_14_UTC, Seed, fast, posts_to, text_of
from tests.support.canary import assert_only_in_secret_manager, new_canary

CAMILLE = "U0CAMILLE"  # Europe/Paris, locale fr-FR


def french(text: Any) -> Any:
    """`text` (a texts-module attribute name, looked up lazily) as a French speaker reads it."""
    with use_language("fr"):
        return text()


def reply(bot: RunningBot, text: str, user_id: str) -> str:
    response = bot.events.command(text, user_id=user_id)
    assert response.status == 200 and isinstance(response.body, dict), response
    bot.settle()
    return response.body.get("text", "") + json.dumps(response.body.get("blocks", []), ensure_ascii=False)


def test_the_first_command_answers_in_the_default_language_and_learns_the_locale_after_the_ack(
    bot: RunningBot, slack_api: SlackWebApi
) -> None:
    first = reply(bot, "help", CAMILLE)
    assert catalogue_texts.HELP_TITLE in first  # nothing known yet: DEFAULT_LANGUAGE (en)
    calls = slack_api.calls_to("users.info")
    assert calls and calls[0].params["include_locale"] in ("1", "true", "True")
    second = reply(bot, "help", CAMILLE)
    assert french(lambda: catalogue_texts.HELP_TITLE) in second
    assert french(lambda: catalogue_texts.HELP_TITLE) != catalogue_texts.HELP_TITLE
    assert len(slack_api.calls_to("users.info")) == 1  # cached with the other user facts


def test_language_overrides_the_locale_and_auto_follows_it_again(bot: RunningBot) -> None:
    assert language_texts.SET_ENGLISH in reply(bot, "language en", CAMILLE)
    assert catalogue_texts.HELP_TITLE in reply(bot, "help", CAMILLE)
    assert french(lambda: language_texts.SET_FRENCH) in reply(bot, "language fr", ALICE)
    assert french(lambda: catalogue_texts.HELP_TITLE) in reply(bot, "help", ALICE)
    back = reply(bot, "language auto", ALICE)  # Alice's Slack locale is en-US
    assert language_texts.SET_AUTO.format(language=language_texts.NAMES["en"]) in back
    assert catalogue_texts.HELP_TITLE in reply(bot, "help", ALICE)
    reply(bot, "language auto", CAMILLE)  # after `language en` above: her fr-FR locale again
    assert french(lambda: catalogue_texts.HELP_TITLE) in reply(bot, "help", CAMILLE)


def test_an_unknown_language_gets_a_suggestion(bot: RunningBot) -> None:
    answer = reply(bot, "language frr", ALICE)
    assert "`frr`" in answer and "`fr`" in answer
    assert "Did you mean" in answer


@pytest.fixture
def camille(bot: RunningBot, slack_api: SlackWebApi) -> Wizard:
    wizard = Wizard(bot, slack_api, user=CAMILLE)
    reply(bot, "help", CAMILLE)  # the bot learns her locale after this first ack
    return wizard


def test_a_french_speaker_registers_quickbooks_online_in_french(
    camille: Wizard, secret_manager: Emulator, slack_api: SlackWebApi, bot: RunningBot
) -> None:
    view = camille.start("start qbo")
    titles = french(lambda: wizard_texts.TITLE_STEPS)
    assert titles["prerequisites"] != wizard_texts.TITLE_STEPS["prerequisites"]
    assert view["title"]["text"] == titles["prerequisites"]
    view = updated(camille.submit(PREREQS_DONE))
    assert view["title"]["text"] == titles["registration"]

    # The generic-mailbox refusal, in French: her own Slack address for QuickBooks Online.
    refused = errors(camille.submit({"mailbox": "camille@acme.example"}))
    assert refused["mailbox"] == french(lambda: wizard_texts.MAILBOX_OWN_REJECTED)
    checks = ["review_requirements", "portal_account", "intuit_create_app"]
    view = updated(camille.submit({"mailbox": "finance-ops@acme.example", "registration_checks": checks}))
    assert view["title"]["text"] == titles["credentials"]

    canary = new_canary()
    view = updated(
        camille.submit({"credential_client_id": "ABqbo-client-id", "credential_client_secret": canary})
    )
    assert view["title"]["text"] == titles["summary"]
    assert french(lambda: wizard_texts.EDIT_BUTTONS)["credentials"] in texts(view)
    dm = slack_api.wait_for("chat.postMessage")[0]
    assert french(lambda: wizard_texts.DM_OPEN).split("{open}")[1].strip()[:12] in dm.params["text"]
    assert_only_in_secret_manager(
        canary, db=bot.deps.db, payloads=secret_manager.payloads(), slack_calls=slack_api.calls
    )


def test_a_reminder_to_a_french_owner_is_in_french_though_an_english_speaker_created_it(
    bot: RunningBot, slack_api: SlackWebApi, db: Any
) -> None:
    from bot.reminders.scheduler import run_sweep_now

    deps = fast(bot.deps)
    bot.deps.clock.set(WEDNESDAY_14_UTC)  # 15:00 in Paris: working hours
    seed = Seed(db)
    registration = seed.registration(created_by=ALICE)
    seed.item(registration, "vault_approved", owner=CAMILLE, next_at=WEDNESDAY_14_UTC - timedelta(hours=1))
    seed.item(registration, "contact_owner", owner=ALICE, next_at=WEDNESDAY_14_UTC - timedelta(hours=1))

    run_sweep_now(deps)

    to_camille, to_alice = text_of(posts_to(slack_api, CAMILLE)[0]), text_of(posts_to(slack_api, ALICE)[0])
    assert french(lambda: reminder_texts.BUTTON_DONE) in to_camille
    assert french(lambda: reminder_texts.DIGEST_INTRO(1)) in to_camille
    assert reminder_texts.DIGEST_INTRO(1) in to_alice and reminder_texts.DIGEST_INTRO(1) not in to_camille
