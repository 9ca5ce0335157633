"""The secure page over real HTTP, from the modal's button to Secret Manager (the real google client
to the emulator): the canary, the headers, and every link or request that must store nothing."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import grpc
import pytest
from sqlalchemy import select

from bot.secure_page.page import CONTENT_SECURITY_POLICY
from bot.secure_page.tokens import digest
from core.clock import Clock
from core.settings import Settings
from handlers.secure_page import MAX_BODY_BYTES
from simulators.secret_manager import Emulator
from simulators.slack.web_api import SlackWebApi
from storage.db import Database
from storage.models import SecureLink
from tests.handlers.wizard_support import Wizard, texts
from tests.secure_page.support import Browser, ask_for_link, store_form, to_credentials
from tests.support.canary import assert_only_in_secret_manager, database_dump, new_canary

HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
}


def assert_page_headers(headers: dict[str, str]) -> None:
    for name, value in HEADERS.items():
        assert headers.get(name) == value, (name, headers.get(name))
    assert headers["content-type"] == "text/html; charset=utf-8"


def links(db: Database) -> list[SecureLink]:
    with db.session() as session:
        return list(session.scalars(select(SecureLink)).all())


def audit(wizard: Wizard, action: str) -> list[dict[str, object]]:
    return [dict(e.details, surface=e.surface) for e in wizard.audit() if e.action == action]


def test_the_canary_through_the_page_is_afterwards_only_in_secret_manager(
    wizard: Wizard,
    browser: Browser,
    secret_manager: Emulator,
    slack_api: SlackWebApi,
    db: Database,
    log_output: io.StringIO,
    settings: Settings,
) -> None:
    canary = new_canary()
    to_credentials(wizard)
    view = wizard.current()
    assert "credential_client_secret" in [b.get("block_id") for b in view["blocks"]]  # both: inputs too
    url = ask_for_link(wizard)
    assert url.startswith(wizard.bot.url + "/secure/")
    token = urlsplit(url).path.removeprefix("/secure/")
    assert len(token.split(".")[1]) >= 22  # ≥ 128 bits of secret

    form = browser.get(url)
    assert form.status == 200, form.text
    assert_page_headers(form.headers)
    assert "QuickBooks Online" in form.text and "sandbox" in form.text
    assert "project test-project" in form.text  # the emulator's label names the project
    assert "codat-register_t0001_quickbooks-online_sandbox_credentials" in form.text
    # A failed attempt first: the value travels through the same code and must not stick anywhere.
    secret_manager.inject_fault(grpc.StatusCode.UNAVAILABLE, method="AddSecretVersion", times=1000)
    failed = browser.post(url, store_form(form, client_id="qbo-client-id", client_secret=canary))
    assert failed.status == 422 and "Nothing was saved — press Submit again." in failed.text
    assert 'value="qbo-client-id"' in failed.text and canary not in failed.text
    secret_manager.clear_faults()
    done = browser.post(url, store_form(failed, client_id="qbo-client-id", client_secret=canary))
    assert done.status == 200, done.text
    assert_page_headers(done.headers)
    assert "Stored ✓" in done.text and "hmac:" in done.text and canary not in done.text
    wizard.bot.settle()

    # Slack confirms it: the modal (by the link's view id) shows the summary, and a DM.
    summary = wizard.current()
    assert summary["title"]["text"] == "5/5 Summary" and summary["id"] == view["id"]
    dm = slack_api.wait_for("chat.postMessage")[-1]
    assert "QuickBooks Online" in json.dumps(dm.params) and "hmac:" in json.dumps(dm.params)
    stored = audit(wizard, "credentials.stored")
    assert stored and stored[0]["surface"] == "page"
    assert (
        audit(wizard, "secure_link.used")
        and audit(wizard, "credentials.store_failed")[0]["surface"] == "page"
    )
    # The token is kept as a hash only, and never logged.
    (row,) = links(db)
    assert row.token_hash == digest(token) and row.used_at is not None
    dumped = database_dump(db)
    assert token not in dumped and token.split(".")[1] not in dumped
    assert token.split(".")[1] not in log_output.getvalue()
    data_files = (
        [p for p in Path(settings.DATA_DIR).rglob("*") if p.is_file()] if settings.DATA_DIR.exists() else []
    )
    answers = json.dumps([call.response for call in slack_api.calls])  # what Slack answered the bot
    assert_only_in_secret_manager(
        canary,
        db=db,
        payloads=secret_manager.payloads(),
        slack_calls=slack_api.calls,
        texts=[log_output.getvalue(), *browser.pages, texts(summary), answers],
        files=data_files,
    )


def test_a_used_link_is_refused_and_stores_nothing_more(
    wizard: Wizard, browser: Browser, secret_manager: Emulator
) -> None:
    to_credentials(wizard)
    url = ask_for_link(wizard)
    form = browser.get(url)
    first = store_form(form, client_id="qbo-id", client_secret="qbo-secret-1")
    assert browser.post(url, first).status == 200
    stored = len(secret_manager.payloads())
    replay = browser.post(url, {**first, "field_client_secret": "qbo-secret-2"})
    assert replay.status == 410 and "already used" in replay.text
    assert "/codat-register start quickbooks-online" in replay.text
    assert_page_headers(replay.headers)
    assert browser.get(url).status == 410
    assert len(secret_manager.payloads()) == stored
    reasons = [e["reason"] for e in audit(wizard, "secure_page.refused")]
    assert reasons == ["used", "used"]
    assert all(e["surface"] == "page" for e in audit(wizard, "secure_page.refused"))


def test_an_expired_link_is_refused(
    wizard: Wizard, browser: Browser, secret_manager: Emulator, clock: Clock
) -> None:
    to_credentials(wizard)
    url = ask_for_link(wizard)
    form = browser.get(url)
    clock.advance(timedelta(minutes=10, seconds=1))  # SECURE_LINK_MINUTES = 10
    late = browser.post(url, store_form(form, client_id="qbo-id", client_secret="qbo-secret"))
    assert late.status == 410 and "expired" in late.text
    assert browser.get(url).status == 410
    assert secret_manager.payloads() == [] and wizard.refs() == []
    assert [e["reason"] for e in audit(wizard, "secure_page.refused")] == ["expired", "expired"]


def test_a_tampered_or_unknown_link_is_not_found(
    wizard: Wizard, browser: Browser, secret_manager: Emulator, log_output: io.StringIO
) -> None:
    to_credentials(wizard)
    url = ask_for_link(wizard)
    base, secret = url.rsplit(".", 1)
    changed = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for bad in (f"{base}.{changed}", url[:-3], f"{wizard.bot.url}/secure/0123456789abcdef.{secret}"):
        answer = browser.get(bad)
        assert answer.status == 404 and "not valid" in answer.text, bad
        assert_page_headers(answer.headers)
        posted = browser.post(bad, {"csrf": "x", "field_client_secret": "nope-secret"})
        assert posted.status == 404
    assert [e["reason"] for e in audit(wizard, "secure_page.refused")] == ["tampered", "tampered"]
    assert secret_manager.payloads() == []
    assert changed not in log_output.getvalue() and secret not in log_output.getvalue()
    assert browser.get(url).status == 200  # the real link still works


def test_a_post_without_the_forms_csrf_token_is_refused(
    wizard: Wizard, browser: Browser, secret_manager: Emulator
) -> None:
    to_credentials(wizard)
    url = ask_for_link(wizard)
    form = browser.get(url)
    values = {"field_client_id": "qbo-id", "field_client_secret": "qbo-secret", "mode": "store"}
    for csrf in (None, "", "not-the-token", form.csrf[:-1]):
        sent = values if csrf is None else {**values, "csrf": csrf}
        refused = browser.post(url, sent)
        assert refused.status == 403 and "out of date" in refused.text
    older = form.csrf
    newer = browser.get(url)  # a new form: the older token stops working
    assert browser.post(url, {**values, "csrf": older}).status == 403
    assert secret_manager.payloads() == [] and wizard.refs() == []
    assert browser.post(url, {**values, "csrf": newer.csrf}).status == 200


def test_an_oversized_body_is_refused_before_it_is_read(
    wizard: Wizard, browser: Browser, secret_manager: Emulator
) -> None:
    to_credentials(wizard)
    url = ask_for_link(wizard)
    form = browser.get(url)
    big = store_form(form, client_id="qbo-id", client_secret="x" * (MAX_BODY_BYTES + 1))
    refused = browser.post(url, big)
    assert refused.status == 413 and "too much" in refused.text
    assert_page_headers(refused.headers)
    assert secret_manager.payloads() == []
    assert [e["reason"] for e in audit(wizard, "secure_page.refused")] == ["too_large"]
    # Over Secret Manager's 64 KiB but under the page's limit: the vault's own message.
    large = browser.post(url, store_form(form, client_id="qbo-id", client_secret="y" * 70_000))
    assert large.status == 422 and "64 KiB" in large.text
    assert secret_manager.payloads() == []


def test_requests_the_page_cannot_read_are_refused(wizard: Wizard, browser: Browser) -> None:
    to_credentials(wizard)
    url = ask_for_link(wizard)
    form = browser.get(url)
    as_json = browser.post(url, json.dumps({"csrf": form.csrf}).encode(), content_type="application/json")
    assert as_json.status == 400
    not_utf8 = browser.post(url, b"csrf=" + form.csrf.encode() + b"&field_client_secret=%ff%fe")
    assert not_utf8.status == 400
    twice = browser.post(url, f"csrf={form.csrf}&csrf={form.csrf}".encode())
    assert twice.status == 400
    assert browser.request("PUT", url).status == 405
    assert browser.get(wizard.bot.url + "/secure/").status == 404
    assert browser.get(wizard.bot.url + "/secure/a/b").status == 404


def test_the_page_is_plain_html_that_loads_nothing(wizard: Wizard, browser: Browser) -> None:
    to_credentials(wizard)
    form = browser.get(ask_for_link(wizard))
    html = form.text
    assert "<script" not in html.lower() and not re.search(r"\son[a-z]+\s*=", html), "no script"
    assert not re.search(r'(src|href)="', html), "the page loads or links nothing"
    assert '<form method="post" autocomplete="off">' in html and " action=" not in html
    inputs = re.findall(r"<input [^>]*>", html)
    assert all('autocomplete="off"' in tag for tag in inputs if 'type="hidden"' not in tag)
    secret = next(tag for tag in inputs if 'name="field_client_secret"' in tag)
    assert 'type="password"' in secret and "value=" not in secret
    assert 'type="text"' in next(tag for tag in inputs if 'name="field_client_id"' in tag)
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    import base64
    import hashlib

    hashed = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"'sha256-{hashed}'" in form.headers["content-security-policy"]


def test_show_reloads_the_form_with_the_secret_fields_as_text_and_empty(
    wizard: Wizard, browser: Browser, secret_manager: Emulator
) -> None:
    canary = new_canary()
    to_credentials(wizard)
    url = ask_for_link(wizard)
    form = browser.get(url)
    shown = browser.post(url, {**store_form(form, client_id="qbo-id", client_secret=canary), "mode": "show"})
    assert shown.status == 200 and canary not in shown.text
    secret = re.search(r'<input [^>]*name="field_client_secret"[^>]*>', shown.text)
    assert secret is not None and 'type="text"' in secret.group(0) and "value=" not in secret.group(0)
    assert 'value="qbo-id"' in shown.text and 'name="shown" value="1"' in shown.text
    hidden = browser.post(url, {**store_form(shown), "shown": "1", "mode": "hide"})
    assert 'type="password"' in hidden.text
    assert secret_manager.payloads() == []


def test_a_link_is_for_those_who_may_store_the_credentials(
    page_bot: object, slack_api: SlackWebApi, wizard: Wizard, db: Database
) -> None:
    to_credentials(wizard)  # Alice's registration
    bob = Wizard(wizard.bot, slack_api, user="U0BOB")
    view = wizard.current()
    response = bob.events.block_action("secure_page_offer", user_id="U0BOB", view=view)
    assert response.status == 200
    wizard.bot.settle()
    pushed = slack_api.wait_for("views.push")[-1]
    assert "can't store or replace the sandbox credentials" in json.dumps(pushed.params)
    assert links(db) == []
    refused = [e for e in wizard.audit() if e.action == "access.refused"]
    assert refused and refused[-1].details["action"] == "store_sandbox_credentials"


def test_without_public_url_the_modal_has_no_button_and_there_is_no_page(
    bot: object, slack_api: SlackWebApi, browser: Browser
) -> None:
    from tests.conftest import RunningBot

    assert isinstance(bot, RunningBot)
    wizard = Wizard(bot, slack_api)
    to_credentials(wizard)
    assert "secure_page_offer" not in texts(wizard.current())
    assert browser.get(bot.url + "/secure/0123456789abcdef." + "a" * 32).status == 404


@pytest.mark.parametrize("intake", ["link"])
def test_secret_intake_link_moves_every_credential_input_to_the_page(
    make_bot: object, slack_api: SlackWebApi, browser: Browser, secret_manager: Emulator, intake: str
) -> None:
    from tests.conftest import RunningBot

    bot = make_bot(SECRET_INTAKE=intake)  # type: ignore[operator]
    assert isinstance(bot, RunningBot)
    wizard = Wizard(bot, slack_api)
    to_credentials(wizard)
    view = wizard.current()
    blocks = [b.get("block_id", "") for b in view["blocks"]]
    assert not [b for b in blocks if b.startswith("credential_") and b != "credentials_intro"], blocks
    assert "secure_page_offer" in blocks and "never through Slack" in texts(view)
    # A forged submission carrying a value stores nothing: the modal has no such input.
    inputs = [
        {"type": "input", "block_id": f"credential_{key}", "label": {"type": "plain_text", "text": key},
         "element": {"type": "plain_text_input", "action_id": "credential_value"}}
        for key in ("client_id", "client_secret")
    ]  # fmt: skip
    with_inputs = {**view, "blocks": [*view["blocks"], *inputs]}
    values = {"credential_client_id": "forged-id", "credential_client_secret": "forged-secret"}
    forged = wizard.events.submit_view(with_inputs, values, user_id=wizard.user)
    assert forged.status == 200 and secret_manager.payloads() == []
    # The page stores them, and the modal moves on to the summary by itself.
    url = ask_for_link(wizard)
    form = browser.get(url)
    assert browser.post(url, store_form(form, client_id="qbo-id", client_secret="qbo-secret")).status == 200
    bot.settle()
    assert wizard.current()["title"]["text"] == "5/5 Summary"
    assert len(secret_manager.payloads()) == 1


def test_the_page_is_in_the_language_of_the_links_creator(
    page_bot: object, slack_api: SlackWebApi, browser: Browser
) -> None:
    from tests.conftest import RunningBot

    assert isinstance(page_bot, RunningBot)
    camille = Wizard(page_bot, slack_api, user="U0CAMILLE")
    camille.command("language fr")
    to_credentials(camille, "start xero", "xero-admins@acme.example")
    form = browser.get(ask_for_link(camille))
    assert form.status == 200 and '<html lang="fr">' in form.text
