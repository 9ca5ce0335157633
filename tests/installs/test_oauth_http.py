"""Installing through Slack's OAuth, over HTTP: two workspaces and an org-wide install, each
workspace answered (commands, App Home, reminders) with its own token; the state required and
single-use; the scopes are the manifest's; uninstalling stops a workspace's reminders."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import yaml

from bot.installs.scopes import MANIFEST
from bot.reminders.sweep import run_sweep
from simulators.slack.browser import Browser
from storage import workspaces
from storage.installations import InstallKey, find
from tests.reminders.conftest import Seed, posts_to
from tests.support.oauth import ACME, ALICE, GLOBEX, GRACE, NINA, NORTH, ORG, SAM, SOUTH, OAuthBot


def views_opened_in(bot: OAuthBot, team_id: str) -> list[str | None]:
    """The tokens views.open was called with in a workspace."""
    return [call.bearer for call in bot.slack.calls_to("views.open") if call.team_id == team_id]


def start_wizard(bot: OAuthBot, team_id: str, user_id: str, *, org: bool = False) -> None:
    response = bot.events(team_id, org=org).command("start", user_id)
    assert response.status == 200, response.body
    bot.settle()


def test_installing_into_two_workspaces_gives_each_its_own_token(oauth_bot: OAuthBot) -> None:
    globex = oauth_bot.install(f"team:{GLOBEX}")
    acme = oauth_bot.install(f"team:{ACME}")

    assert globex.status == acme.status == 200
    assert "codat-register is now installed in <strong>Globex</strong>" in globex.body
    assert "Acme" in acme.body
    assert globex.headers["content-security-policy"].startswith("default-src 'none'")
    globex_token, acme_token = oauth_bot.token_of(GLOBEX), oauth_bot.token_of(ACME)
    assert globex_token != acme_token
    store = oauth_bot.deps.installations.store  # type: ignore[union-attr]
    assert find(store, InstallKey(None, GLOBEX)).bot_token == globex_token  # type: ignore[union-attr]

    start_wizard(oauth_bot, GLOBEX, GRACE)
    start_wizard(oauth_bot, ACME, ALICE)
    assert views_opened_in(oauth_bot, GLOBEX) == [globex_token]
    assert views_opened_in(oauth_bot, ACME) == [acme_token]
    # Each modal opened in its own workspace (the stand-in keeps a view store per workspace).
    assert oauth_bot.slack.views_for(GRACE, GLOBEX)["stack"]
    assert oauth_bot.slack.views_for(ALICE, ACME)["stack"]


def test_every_call_for_a_workspace_carries_its_token(oauth_bot: OAuthBot) -> None:
    oauth_bot.install(f"team:{GLOBEX}")
    oauth_bot.install(f"team:{ACME}")
    for team, user in ((GLOBEX, GRACE), (ACME, ALICE)):
        events = oauth_bot.events(team)
        assert events.command("status", user).status == 200
        assert events.event({"type": "app_home_opened", "user": user, "tab": "home"}).status == 200
    oauth_bot.settle()
    tokens = {GLOBEX: oauth_bot.token_of(GLOBEX), ACME: oauth_bot.token_of(ACME)}
    answered = [call for call in oauth_bot.slack.calls if call.team_id]
    assert {call.method for call in answered} >= {"users.info", "views.publish"}
    assert all(call.bearer == tokens[call.team_id] for call in answered)
    assert {call.team_id for call in answered} == {GLOBEX, ACME}


def test_an_org_wide_install_answers_in_every_workspace_of_the_organisation(oauth_bot: OAuthBot) -> None:
    page = oauth_bot.install(f"enterprise:{ORG}")
    assert page.status == 200
    assert "every workspace of <strong>Initech</strong>" in page.body
    org_token = oauth_bot.token_of(enterprise_id=ORG)
    installations = oauth_bot.deps.installations
    assert installations is not None
    found = installations.for_request(enterprise_id=ORG, team_id=None, is_enterprise_install=True)
    assert found.is_enterprise_install and found.team_id is None and found.bot_token == org_token

    start_wizard(oauth_bot, NORTH, NINA, org=True)
    start_wizard(oauth_bot, SOUTH, SAM, org=True)
    # One organisation's token, naming each workspace on every call.
    assert views_opened_in(oauth_bot, NORTH) == [org_token]
    assert views_opened_in(oauth_bot, SOUTH) == [org_token]
    assert all(
        call.params.get("team_id") in (NORTH, SOUTH) for call in oauth_bot.slack.calls_to("views.open")
    )
    # The bot's own jobs find the organisation's installation for each workspace it has seen.
    assert installations.for_team(SOUTH).bot_token == org_token


def test_registrations_stay_scoped_by_workspace_inside_an_organisation(oauth_bot: OAuthBot) -> None:
    oauth_bot.install(f"enterprise:{ORG}")
    Seed(oauth_bot.deps.db, team_id=NORTH).registration(created_by=NINA, platform="xero")
    north = oauth_bot.events(NORTH, org=True).command("status", NINA)
    south = oauth_bot.events(SOUTH, org=True).command("status", SAM)
    assert "Xero" in str(north.body)
    assert "Xero" not in str(south.body)


def test_reminders_in_each_workspace_use_its_own_token(oauth_bot: OAuthBot) -> None:
    for target in (f"team:{GLOBEX}", f"team:{ACME}", f"enterprise:{ORG}"):
        assert oauth_bot.install(target).status == 200
    oauth_bot.events(NORTH, org=True).command("help", NINA)  # the bot learns North is Initech's
    due = oauth_bot.deps.clock.now() - timedelta(hours=1)
    for team, owner in ((GLOBEX, GRACE), (ACME, ALICE), (NORTH, NINA)):
        seed = Seed(oauth_bot.deps.db, team_id=team)
        seed.item(seed.registration(created_by=owner), "vault_approved", owner=owner, next_at=due)

    assert run_sweep(oauth_bot.deps).digests == 3

    expected = {
        GLOBEX: oauth_bot.token_of(GLOBEX),
        ACME: oauth_bot.token_of(ACME),
        NORTH: oauth_bot.token_of(enterprise_id=ORG),
    }
    for team, owner in ((GLOBEX, GRACE), (ACME, ALICE), (NORTH, NINA)):
        (post,) = posts_to(oauth_bot.slack, owner)
        assert (post.team_id, post.bearer) == (team, expected[team])
        assert oauth_bot.slack.messages(owner, team)  # delivered in that workspace


def test_a_workspace_that_never_installed_the_app_is_told_so(oauth_bot: OAuthBot) -> None:
    oauth_bot.install(f"team:{ACME}")
    response = oauth_bot.events(GLOBEX).command("start", GRACE)
    assert response.status == 200
    oauth_bot.settle()
    (told,) = oauth_bot.slack.ephemerals(GRACE, GLOBEX)  # through the command's response_url
    assert "not installed in this workspace" in told["text"]
    assert not [call for call in oauth_bot.slack.calls if call.team_id == GLOBEX]


def test_the_scopes_asked_for_are_the_manifests(oauth_bot: OAuthBot) -> None:
    started = Browser().get(oauth_bot.url + "/slack/install")
    assert started.status == 302
    asked = parse_qs(urlsplit(started.location).query)
    manifest = yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"]
    assert "commands" in manifest and "files:write" in manifest
    assert asked["scope"] == [",".join(manifest)]
    assert started.location.startswith(oauth_bot.slack.url.removesuffix("api/") + "oauth/v2/authorize?")


def test_the_state_is_required(oauth_bot: OAuthBot) -> None:
    missing = Browser().get(oauth_bot.url + "/slack/oauth_redirect?code=anything")
    assert missing.status == 400
    assert "expired or was already used" in missing.body
    # A state that was never issued, even with a matching cookie, is refused as well.
    forged = Browser(cookies={urlsplit(oauth_bot.url).netloc: {"slack-app-oauth-state": "forged"}})
    refused = forged.get(oauth_bot.url + "/slack/oauth_redirect?code=anything&state=forged")
    assert refused.status == 401
    assert oauth_bot.slack.calls_to("oauth.v2.access") == []


def test_the_state_works_once_and_in_the_browser_that_started(oauth_bot: OAuthBot) -> None:
    browser = Browser()
    assert oauth_bot.install(f"team:{GLOBEX}", browser=browser).status == 200
    callback = browser.steps[-1].url
    state = parse_qs(urlsplit(callback).query)["state"][0]

    # The same redirect again: its cookie is gone (the success page deleted it) …
    assert browser.get(callback).status == 400
    # … and with the cookie put back, the state itself was used up.
    browser.cookies[urlsplit(oauth_bot.url).netloc] = {"slack-app-oauth-state": state}
    replayed = browser.get(callback)
    assert replayed.status == 401
    assert "expired or was already used" in replayed.body
    assert len(oauth_bot.slack.calls_to("oauth.v2.access")) == 1

    # A redirect arriving in another browser than the one that started is refused.
    starter = Browser()
    started = starter.get(oauth_bot.url + "/slack/install")
    asked = dict(parse_qs(urlsplit(started.location).query))
    form = {k: v[0] for k, v in asked.items()} | {"target": f"team:{ACME}"}
    decided = starter.post(started.location.split("?")[0], form)
    assert Browser().get(decided.location).status == 400
    assert oauth_bot.slack.oauth.tokens_for(team_id=ACME) == []


def test_cancelling_in_slack_installs_nothing(oauth_bot: OAuthBot) -> None:
    answer = Browser().install(oauth_bot.url, f"team:{GLOBEX}", allow=False)
    assert answer.status == 200
    assert "cancelled in Slack" in answer.body
    assert oauth_bot.slack.calls_to("oauth.v2.access") == []


def test_uninstall_stops_the_workspace_reminders_and_keeps_its_data(oauth_bot: OAuthBot) -> None:
    oauth_bot.install(f"team:{GLOBEX}")
    oauth_bot.install(f"team:{ACME}")
    due = oauth_bot.deps.clock.now() - timedelta(hours=1)
    globex, acme = Seed(oauth_bot.deps.db, team_id=GLOBEX), Seed(oauth_bot.deps.db, team_id=ACME)
    stopped = globex.item(globex.registration(created_by=GRACE), "vault_approved", owner=GRACE, next_at=due)
    acme.item(acme.registration(created_by=ALICE), "vault_approved", owner=ALICE, next_at=due)

    answers = oauth_bot.events(GLOBEX).uninstall()

    assert [answer.status for answer in answers] == [200, 200]
    store = oauth_bot.deps.installations.store  # type: ignore[union-attr]
    assert find(store, InstallKey(None, GLOBEX)) is None
    assert workspaces.is_uninstalled(oauth_bot.deps.db, GLOBEX)
    assert globex.get(stopped).next_reminder_at is None
    assert run_sweep(oauth_bot.deps).digests == 1  # Acme's only
    assert posts_to(oauth_bot.slack, GRACE) == []
    assert len(posts_to(oauth_bot.slack, ALICE)) == 1
    assert "app.uninstalled" in globex.audit_actions()
    assert workspaces.count_rows(oauth_bot.deps.db, GLOBEX)["registrations"] == 1  # kept

    # Installed again: the stopped reminders are due again, sent with the new token.
    oauth_bot.install(f"team:{GLOBEX}")
    assert not workspaces.is_uninstalled(oauth_bot.deps.db, GLOBEX)
    assert run_sweep(oauth_bot.deps).digests == 1
    (post,) = posts_to(oauth_bot.slack, GRACE)
    assert post.bearer == oauth_bot.token_of(GLOBEX)


def test_uninstalling_an_org_wide_install_stops_every_workspace_of_the_organisation(
    oauth_bot: OAuthBot,
) -> None:
    oauth_bot.install(f"enterprise:{ORG}")
    for team, user in ((NORTH, NINA), (SOUTH, SAM)):
        oauth_bot.events(team, org=True).command("help", user)
    due = oauth_bot.deps.clock.now() - timedelta(hours=1)
    for team, owner in ((NORTH, NINA), (SOUTH, SAM)):
        seed = Seed(oauth_bot.deps.db, team_id=team)
        seed.item(seed.registration(created_by=owner), "vault_approved", owner=owner, next_at=due)

    oauth_bot.events(NORTH, org=True).uninstall()

    assert workspaces.is_uninstalled(oauth_bot.deps.db, NORTH)
    assert workspaces.is_uninstalled(oauth_bot.deps.db, SOUTH)
    assert run_sweep(oauth_bot.deps).digests == 0
    store = oauth_bot.deps.installations.store  # type: ignore[union-attr]
    assert find(store, InstallKey(ORG, None)) is None
