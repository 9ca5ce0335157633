"""The expiry date on the secure page, over real HTTP (the bot served with PUBLIC_URL at its own
loopback URL): the form's date input pre-filled like the modal's picker; an invalid, past or too
distant date sends the page back with the error and stores nothing; a valid one is stored — row,
annotation, the modal's summary."""

from __future__ import annotations

import re

import pytest

from core.clock import Clock
from simulators.secret_manager import Emulator
from simulators.slack.web_api import SlackWebApi
from tests.expiry.conftest import BOB, WEDNESDAY_10_UTC, ExpiryDesk
from tests.secure_page.conftest import MakeBot
from tests.secure_page.support import Browser, PageResponse, ask_for_link, store_form

DATE_INPUT = re.compile(r"<input [^>]*name=\"expires_on\"[^>]*>")


@pytest.fixture
def page_desk(
    make_bot: MakeBot, slack_api: SlackWebApi, secret_manager: Emulator, clock: Clock
) -> ExpiryDesk:
    clock.set(WEDNESDAY_10_UTC)
    return ExpiryDesk(make_bot(), slack_api, secret_manager, clock)


def date_input(page: PageResponse) -> str:
    (found,) = DATE_INPUT.findall(page.text)
    return found


def open_page(desk: ExpiryDesk, browser: Browser) -> tuple[str, PageResponse]:
    desk.to_credentials(BOB)
    url = ask_for_link(desk.wizard(BOB))
    form = browser.get(url)
    assert form.status == 200, form.text
    return url, form


def test_the_form_has_a_date_input_pre_filled_from_the_rule(page_desk: ExpiryDesk) -> None:
    _, form = open_page(page_desk, Browser())
    field = date_input(form)
    assert 'type="date"' in field and 'id="expires_on"' in field
    assert 'value="2026-12-07"' in field  # the bot's clock (10 June 2026) + Business Central's 180 days
    assert "When does this secret expire?" in form.text
    assert "at most 730 days ahead" in form.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-05-01", "That date has passed"),
        ("2029-01-01", "secrets last at most 730 days: pick a date up to 9 June 2028"),
        ("31/12/2026", "Pick a date with the date picker."),
    ],
)
def test_a_wrong_date_sends_the_page_back_with_the_error_and_stores_nothing(
    page_desk: ExpiryDesk, typed: str, message: str
) -> None:
    browser = Browser()
    url, form = open_page(page_desk, browser)
    values = store_form(form, client_id="bc-client-id", client_secret="bc-secret-on-the-page")
    failed = browser.post(url, {**values, "expires_on": typed})

    assert failed.status == 422, failed.text
    assert message in failed.text and 'id="expires_on-error"' in failed.text
    assert f'value="{typed}"' in date_input(failed)  # kept as typed, to correct it
    assert "bc-secret-on-the-page" not in failed.text
    assert page_desk.vault.secrets() == [] and page_desk.vault.payloads() == []
    assert page_desk.refs() == [] and page_desk.row() is None
    # The link still works: corrected, it is stored.
    values = store_form(failed, client_id="bc-client-id", client_secret="bc-secret-on-the-page")
    done = browser.post(url, {**values, "expires_on": "2027-02-26"})
    assert done.status == 200, done.text
    assert page_desk.expiry().expires_on.isoformat() == "2027-02-26"


def test_a_valid_date_is_stored_with_the_secret(page_desk: ExpiryDesk) -> None:
    browser = Browser()
    url, form = open_page(page_desk, browser)
    values = store_form(form, client_id="bc-client-id", client_secret="bc-secret-on-the-page")
    done = browser.post(url, {**values, "expires_on": "2027-02-26"})
    assert done.status == 200, done.text
    assert "Stored ✓" in done.text
    page_desk.bot.settle()

    row = page_desk.expiry()
    assert (row.expires_on.isoformat(), row.owner_user_id, row.set_by) == ("2027-02-26", BOB, BOB)
    assert row.next_reminder_at == WEDNESDAY_10_UTC
    assert page_desk.annotations()["expires-at"] == "2027-02-26"
    (event,) = page_desk.audit("credential.expiry_set")
    assert event.surface == "page" and event.details["expires_on"] == "2027-02-26"
    summary = page_desk.wizard(BOB).current()
    assert summary["title"]["text"] == "5/5 Summary"
    assert "⏳ Expires on 26 February 2027 (in 261 days)" in str(summary["blocks"])


def test_an_empty_date_stores_the_secret_without_one(page_desk: ExpiryDesk) -> None:
    browser = Browser()
    url, form = open_page(page_desk, browser)
    values = store_form(form, client_id="bc-client-id", client_secret="bc-secret-on-the-page")
    done = browser.post(url, {**values, "expires_on": ""})
    assert done.status == 200, done.text
    assert page_desk.row() is None and len(page_desk.refs()) == 1
    assert "expires-at" not in page_desk.annotations()
