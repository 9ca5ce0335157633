"""Sign in with Slack before the secure page (SLACK_CLIENT_ID / SLACK_CLIENT_SECRET set): the real
OpenID Connect round trip through the Slack stand-in — authorize, openid.connect.token,
openid.connect.userInfo — and the refusals: another person, another browser, no session."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from simulators.secret_manager import Emulator
from simulators.slack.oidc import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from simulators.slack.web_api import SlackWebApi
from tests.conftest import RunningBot
from tests.handlers.wizard_support import Wizard
from tests.secure_page.conftest import MakeBot
from tests.secure_page.support import Browser, ask_for_link, store_form, to_credentials


@pytest.fixture
def signing_bot(make_bot: MakeBot) -> RunningBot:
    return make_bot(SLACK_CLIENT_ID=DEFAULT_CLIENT_ID, SLACK_CLIENT_SECRET=DEFAULT_CLIENT_SECRET)


@pytest.fixture
def wizard(signing_bot: RunningBot, slack_api: SlackWebApi) -> Wizard:
    return Wizard(signing_bot, slack_api)


def sign_in(browser: Browser, link: str, user: str) -> str:
    """Open the link, go through Slack's authorize page as `user`: the URL Slack sends back to."""
    opened = browser.get(link)
    assert opened.status == 302, opened.text
    authorize = opened.headers["location"]
    chooser = browser.get(authorize)
    assert chooser.status == 200 and "Continue as Alice Archer" in chooser.text
    chosen = browser.get(authorize + f"&user={user}")
    assert chosen.status == 302
    return chosen.headers["location"]


def test_the_link_first_signs_the_person_in_with_slack(
    wizard: Wizard, browser: Browser, slack_api: SlackWebApi, secret_manager: Emulator
) -> None:
    to_credentials(wizard)
    link = ask_for_link(wizard)
    assert "sign in with Slack first" in str(wizard.current()["blocks"])
    opened = browser.get(link)
    assert opened.status == 302
    authorize = urlsplit(opened.headers["location"])
    assert f"{authorize.scheme}://{authorize.netloc}/api/" == slack_api.url
    assert authorize.path == "/openid/connect/authorize"
    query = {key: values[0] for key, values in parse_qs(authorize.query).items()}
    assert query["client_id"] == DEFAULT_CLIENT_ID and query["team"] == "T0001"
    assert query["response_type"] == "code" and query["scope"] == "openid profile"
    assert query["redirect_uri"] == wizard.bot.url + "/secure/signed-in"
    assert len(query["state"]) >= 22 and len(query["nonce"]) >= 22 and query["state"] != query["nonce"]

    back = sign_in(browser, link, "U0ALICE")
    signed_in = browser.get(back)
    assert signed_in.status == 303 and signed_in.headers["location"] == link
    assert "codat_secure_session" in browser.cookies and "HttpOnly" in signed_in.headers["set-cookie"]
    assert "SameSite=Lax" in signed_in.headers["set-cookie"]
    assert {c.method for c in slack_api.calls} >= {"openid.connect.token", "openid.connect.userInfo"}
    form = browser.get(link)
    assert form.status == 200 and "Signed in with Slack as Alice Archer" in form.text
    done = browser.post(link, store_form(form, client_id="qbo-id", client_secret="qbo-secret"))
    assert done.status == 200 and "Stored ✓" in done.text
    assert len(secret_manager.payloads()) == 1
    events = [e for e in wizard.audit() if e.action == "secure_page.signed_in"]
    assert events and events[0].actor == "U0ALICE" and events[0].surface == "page"
    # The code was used once: Slack's redirect again finds nothing to sign in.
    assert browser.get(back).status == 404


def test_someone_else_signing_in_is_refused_and_nothing_is_stored(
    wizard: Wizard, browser: Browser, secret_manager: Emulator
) -> None:
    to_credentials(wizard)
    link = ask_for_link(wizard)
    wrong = browser.get(sign_in(browser, link, "U0BOB"))
    assert wrong.status == 403 and "for someone else" in wrong.text
    assert "Bob Brown" in wrong.text or "U0BOB" in wrong.text
    assert "codat_secure_session" not in browser.cookies
    # Bob has no session: the form is not shown, a post is refused.
    assert browser.get(link).status == 302
    refused = browser.post(link, {"csrf": "x", "field_client_id": "id", "field_client_secret": "bob-secret"})
    assert refused.status == 403
    assert secret_manager.payloads() == [] and wizard.refs() == []
    reasons = [
        (e.details["reason"], e.details.get("signed_in_as"))
        for e in wizard.audit()
        if e.action == "secure_page.refused"
    ]
    assert ("wrong_user", "U0BOB") in reasons and ("not_signed_in", None) in reasons
    wrong_user = [e for e in wizard.audit() if e.details.get("reason") == "wrong_user"]
    assert wrong_user[0].actor == "U0BOB" and wrong_user[0].surface == "page"


def test_a_sign_in_finished_in_another_browser_is_refused(
    wizard: Wizard, browser: Browser, secret_manager: Emulator
) -> None:
    to_credentials(wizard)
    link = ask_for_link(wizard)
    back = sign_in(browser, link, "U0ALICE")
    elsewhere = Browser()  # e.g. a victim's browser handed the attacker's redirect
    refused = elsewhere.get(back)
    assert refused.status == 403 and "codat_secure_session" not in elsewhere.cookies
    reasons = [e.details["reason"] for e in wizard.audit() if e.action == "secure_page.refused"]
    assert "sign_in_elsewhere" in reasons
    # The browser that started it still finishes it.
    assert browser.get(back).status == 303


def test_a_session_works_for_its_own_link_only(
    wizard: Wizard, browser: Browser, secret_manager: Emulator, slack_api: SlackWebApi
) -> None:
    to_credentials(wizard)
    link = ask_for_link(wizard)
    assert browser.get(sign_in(browser, link, "U0ALICE")).status == 303
    form = browser.get(link)
    thief = Browser(cookies={})  # the link, the form's CSRF token, but not the session
    stolen = thief.post(link, store_form(form, client_id="id", client_secret="stolen-secret"))
    assert stolen.status == 403
    assert secret_manager.payloads() == []
    assert browser.post(link, store_form(form, client_id="id", client_secret="mine-secret")).status == 200


def test_slack_refusing_the_sign_in_says_so(wizard: Wizard, browser: Browser) -> None:
    to_credentials(wizard)
    link = ask_for_link(wizard)
    opened = browser.get(link)
    state = parse_qs(urlsplit(opened.headers["location"]).query)["state"][0]
    denied = browser.get(f"{wizard.bot.url}/secure/signed-in?error=access_denied&state={state}")
    assert denied.status == 403 and "access_denied" in denied.text
