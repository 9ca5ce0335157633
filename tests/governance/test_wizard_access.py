"""The wizard asks the policy, through the real modal: the issue's scenario — a member who neither
started a registration nor owns one of its items resumes it and tries the summary's Edit buttons —
is refused at each step with nothing changed and no credential version added; an item's owner may
change their own step but not store credentials; an admin may do all of it; and a save is asked
again on the rows read under lock."""

from __future__ import annotations

import json

import pytest

from bot.governance.policy import NotAllowed
from bot.governance.roles import caller_of
from bot.governance.views import REFUSAL_CALLBACK_ID
from bot.registrations.checklist import Phase
from bot.wizard import access, answers, save, steps
from bot.wizard.ids import Step
from bot.wizard.snapshot import load
from bot.wizard.step_views import step_view
from simulators.secret_manager import Emulator
from simulators.slack.web_api import SlackWebApi
from storage.models import ChecklistItem
from tests.conftest import TEAM_ID, RunningBot
from tests.governance.conftest import ADMIN, MEMBER, OWNER, add_personas
from tests.handlers.wizard_support import PREREQS_DONE, Wizard, updated

CREATOR = OWNER  # Carol starts this one; Mel (a member) is the intruder, Alice the admin
FIRST = {"credential_client_id": "client-id-1", "credential_client_secret": "client-secret-1"}
SECOND = {"credential_client_id": "client-id-2", "credential_client_secret": "client-secret-2"}


@pytest.fixture
def carol(bot: RunningBot, slack_api: SlackWebApi) -> Wizard:
    """Carol's Xero registration at its summary: step 3 handed to Mel, every other step hers."""
    add_personas(slack_api)
    wizard = Wizard(bot, slack_api, user=CREATOR)
    wizard.start("start xero sandbox")
    updated(wizard.submit({"agreements": "unsure", "vault_status": "pending"}))
    updated(wizard.submit({"mailbox": "xero-admins@acme.example", "registration_owner": MEMBER}))
    view = updated(wizard.submit(FIRST))
    assert view["title"]["text"] == "5/5 Summary"
    return wizard


def pushed(api: SlackWebApi) -> str:
    push = api.calls_to("views.push")[-1]
    assert push.response["ok"], push.response
    view = push.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == REFUSAL_CALLBACK_ID
    return json.dumps(view, ensure_ascii=False)


def test_a_member_who_is_neither_creator_nor_owner_changes_nothing(
    carol: Wizard, bot: RunningBot, slack_api: SlackWebApi, secret_manager: Emulator
) -> None:
    before = {key: (i.status, i.owner_user_id) for key, i in carol.items().items()}
    versions = len(secret_manager.payloads())
    slack_api.add_user("U0DAN", "dan", real_name="Dan Member")
    intruder = Wizard(bot, slack_api, user="U0DAN")
    summary = intruder.start("start xero sandbox")  # resuming is allowed: looking is
    assert summary["title"]["text"] == "5/5 Summary"

    for step in ("prerequisites", "credentials"):
        intruder.click(f"edit_step_{step}")
        assert "Ask the creator, <@U0CAROL>" in pushed(slack_api)
        assert slack_api.views_for("U0DAN")["stack"][0]["title"]["text"] == "5/5 Summary"  # under it
        intruder.close()  # back to the summary
        assert intruder.current()["title"]["text"] == "5/5 Summary"

    snapshot = load(bot.deps, TEAM_ID, carol.registration().id, "U0DAN")
    assert snapshot is not None
    for step, inputs in (
        (Step.prerequisites, PREREQS_DONE),
        (Step.registration, {"registration_checks": ["review_requirements", "engage_specialist"]}),
        (Step.credentials, SECOND),
    ):
        response = intruder.submit(inputs, view=step_view(snapshot, step, editing=True))
        assert response.body["response_action"] == "push"
        assert "Sorry — you can't" in json.dumps(response.body["view"], ensure_ascii=False)

    assert {key: (i.status, i.owner_user_id) for key, i in carol.items().items()} == before
    assert len(carol.refs()) == 1 and len(secret_manager.payloads()) == versions  # no new version
    refused = [e for e in carol.audit() if e.action == "access.refused"]
    assert [e.details["action"] for e in refused] == [
        "edit_step",
        "edit_step",
        "edit_step",
        "edit_step",
        "store_sandbox_credentials",
    ]
    assert {e.actor for e in refused} == {"U0DAN"} and {e.surface for e in refused} == {"modal"}


def test_an_owner_changes_their_own_step_but_stores_no_credentials(
    carol: Wizard, bot: RunningBot, slack_api: SlackWebApi, secret_manager: Emulator
) -> None:
    mel = Wizard(bot, slack_api, user=MEMBER)
    mel.start("start xero sandbox")
    mel.click("edit_step_registration")
    view = mel.current()
    assert view["title"]["text"] == "3/5 Registration"  # hers to open: every open item is Mel's
    back = updated(mel.submit({"registration_checks": ["review_requirements"]}))
    assert back["title"]["text"] == "5/5 Summary"
    assert carol.items()["review_requirements"].status == "done"

    mel.click("edit_step_prerequisites")  # Carol's step
    assert "Ask the creator, <@U0CAROL>" in pushed(slack_api)
    snapshot = load(bot.deps, TEAM_ID, carol.registration().id, MEMBER)
    assert snapshot is not None
    response = mel.submit(SECOND, view=step_view(snapshot, Step.credentials, editing=True))
    assert response.body["response_action"] == "push"
    assert len(carol.refs()) == 1 and len(secret_manager.payloads()) == 1


def test_an_admin_may_edit_every_step_and_replace_the_credentials(
    carol: Wizard, bot: RunningBot, slack_api: SlackWebApi, secret_manager: Emulator
) -> None:
    alice = Wizard(bot, slack_api, user=ADMIN)
    alice.start("start xero sandbox")
    alice.click("edit_step_credentials")
    assert alice.current()["title"]["text"] == "4/5 Credentials"
    assert updated(alice.submit(SECOND))["title"]["text"] == "5/5 Summary"
    assert len(secret_manager.payloads()) == 2  # a second version
    assert [e for e in carol.audit() if e.action == "access.refused"] == []


def test_a_save_is_asked_again_on_the_rows_read_under_lock(carol: Wizard, bot: RunningBot) -> None:
    registration_id = carol.registration().id
    seen = load(bot.deps, TEAM_ID, registration_id, MEMBER)  # while step 3's items are Mel's …
    assert seen is not None
    with bot.deps.db.session() as session:  # … Carol takes them back
        for item in session.query(ChecklistItem).filter_by(registration_id=registration_id):
            if item.owner_user_id == MEMBER:
                item.owner_user_id = CREATOR
    value = answers.RegistrationAnswers("xero-admins@acme.example", frozenset({"engage_specialist"}),
                                        answers.Assignment(MEMBER, None))  # fmt: skip
    outcome = steps.registration_outcome(
        value,
        item_keys=seen.keys_of(Phase.registration),
        mailbox_required=False,
        check=None,
        confirmed=None,
        today=bot.deps.clock.now().date(),
    )
    before = {key: (i.status, i.owner_user_id) for key, i in carol.items().items()}
    caller = caller_of(bot.deps, TEAM_ID, MEMBER)
    with pytest.raises(NotAllowed) as refused:
        save.save_step(
            bot.deps, seen, MEMBER, Step.registration, outcome, value.assignment, True,
            check=access.check_write(caller, seen),
        )  # fmt: skip
    assert refused.value.decision.action.value in ("edit_step", "reassign_owners")
    assert {key: (i.status, i.owner_user_id) for key, i in carol.items().items()} == before
