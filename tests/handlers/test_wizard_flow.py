"""The registration wizard end to end over HTTP: signed slash command → the modal captured at the
Slack stand-in → submissions built from it by block id → assertions on the ack, the database and
the Secret Manager emulator."""

from __future__ import annotations

import json

import pytest

from bot.registrations.checklist import checklist_for
from simulators.secret_manager import Emulator
from simulators.slack.web_api import SlackWebApi
from tests.conftest import RunningBot
from tests.handlers.wizard_support import (
    PREREQS_DONE,
    USER,
    Wizard,
    block_ids,
    errors,
    metadata,
    texts,
    updated,
)


@pytest.fixture
def wizard(bot: RunningBot, slack_api: SlackWebApi) -> Wizard:
    return Wizard(bot, slack_api)


def test_quickbooks_online_from_command_to_summary(
    wizard: Wizard, secret_manager: Emulator, slack_api: SlackWebApi
) -> None:
    view = wizard.start("start qbo")
    # With a platform the modal opens at once ("Loading…"), then shows the saved step.
    opened = slack_api.calls_to("views.open")[0]
    assert "Loading" in json.dumps(opened.params["view"], ensure_ascii=False)
    assert view["title"]["text"] == "2/5 Prerequisites"
    registration = wizard.registration()
    assert (registration.platform, registration.environment) == ("quickbooks-online", "sandbox")
    assert metadata(view) == {"s": "prerequisites", "r": registration.id}
    expected = [
        item.key for item in checklist_for(wizard.bot.deps.catalogue.get("quickbooks-online"), "sandbox")
    ]
    items = wizard.items()
    assert sorted(items) == sorted(expected)
    assert [items[key].position for key in expected] == list(range(len(expected)))
    assert all(i.status == "todo" and i.owner_user_id == USER and i.next_reminder_at for i in items.values())

    view = updated(wizard.submit(PREREQS_DONE))
    assert view["title"]["text"] == "3/5 Registration"
    assert "https://quickbooksonlinesandbox.codat.io/oauth2/callback" in texts(view)
    items = wizard.items()
    assert items["existing_agreements"].status == "done"
    assert items["contact_owner"].status == "done"
    assert items["vault_approved"].status == "done"
    assert items["vault_approved"].next_reminder_at is None
    assert wizard.registration().step == "registration"

    # The generic-mailbox rule: own Slack address and free mail are refused …
    own = errors(wizard.submit({"mailbox": "Alice@ACME.example"}))
    assert "your own Slack address" in own["mailbox"]
    free = errors(wizard.submit({"mailbox": "finance.team@gmail.com"}))
    assert "gmail.com is a free-mail domain" in free["mailbox"]
    # … a personal-looking address is warned about once, then accepted when submitted again.
    warned = errors(wizard.submit({"mailbox": "jane.doe@acme.example"}))
    assert "press Next again to confirm" in warned["mailbox"]
    assert wizard.registration().step == "registration"
    checks = ["review_requirements", "portal_account", "intuit_create_app"]
    view = updated(wizard.submit({"mailbox": "jane.doe@acme.example", "registration_checks": checks}))
    assert view["title"]["text"] == "4/5 Credentials"
    registration = wizard.registration()
    assert registration.answers["registration"]["mailbox"] == "jane.doe@acme.example"
    assert registration.answers["registration"]["mailbox_confirmed"] == "jane.doe@acme.example"
    items = wizard.items()
    assert items["register_generic_mailbox"].status == "done"
    assert items["review_requirements"].status == "done"
    assert items["engage_specialist"].status == "todo"

    # Credentials: one input per catalogue field, secrets never pre-filled.
    assert {"credential_client_id", "credential_client_secret"} <= set(block_ids(view))
    assert all(
        "initial_value" not in (b.get("element") or {})
        for b in view["blocks"]
        if b.get("block_id", "").startswith("credential_")
    )
    response = wizard.submit(
        {"credential_client_id": "ABqbo-client-id", "credential_client_secret": "qbo-secret-1"}
    )
    view = updated(response)
    assert view["title"]["text"] == "5/5 Summary"
    refs = wizard.refs()
    assert [ref.field for ref in refs] == ["credentials"]
    assert json.loads(secret_manager.payloads()[0]) == {
        "client_id": "ABqbo-client-id",
        "client_secret": "qbo-secret-1",
    }
    summary = texts(view)
    assert refs[0].resource_name in summary and refs[0].fingerprint[:17] in summary
    assert "enter these credentials in Codat Portal > Settings > Integrations" in summary
    assert "Settings > Integrations > Accounting > QuickBooks Online" in summary
    assert f"<@{USER}>" in summary  # open items show their owner
    registration = wizard.registration()
    assert registration.step == "summary" and registration.status == "in_progress"
    assert wizard.items()["retrieve_credentials"].status == "done"
    # The DM confirmation after the ack.
    posted = slack_api.wait_for("chat.postMessage")[0]
    assert "QuickBooks Online" in posted.params["text"]
    actions = [event.action for event in wizard.audit()]
    assert actions[0] == "registration.created"
    assert {"wizard.step_saved", "wizard.mailbox_warned", "credentials.stored"} <= set(actions)


def test_a_team_mailbox_is_accepted_at_once(wizard: Wizard) -> None:
    wizard.start("start quickbooks production")
    wizard.submit(PREREQS_DONE)
    view = updated(wizard.submit({"mailbox": "system-admins@acme.example"}))
    assert view["title"]["text"] == "4/5 Credentials"
    assert wizard.registration().environment == "production"
    assert wizard.registration().answers["registration"]["mailbox"] == "system-admins@acme.example"


def test_sage_intacct_stores_sender_id_and_password_as_one_json_payload(
    wizard: Wizard, secret_manager: Emulator
) -> None:
    # Production credentials wait for a second admin by default (tests/approvals); not the point here.
    wizard.bot.deps.settings = wizard.bot.deps.settings.model_copy(update={"PRODUCTION_APPROVALS": 0})
    view = wizard.start("start sage intacct")
    assert wizard.registration().environment == "production"  # no sandbox: production by default
    updated(wizard.submit(PREREQS_DONE))
    view = updated(wizard.submit({}))  # the mailbox is optional for Sage Intacct
    assert view["title"]["text"] == "4/5 Credentials"
    labels = [b["label"]["text"] for b in view["blocks"] if b.get("block_id", "").startswith("credential_")]
    assert labels == ["Sender ID", "Sender Password (secret)"]
    view = updated(
        wizard.submit({"credential_sender_id": "acme-sender", "credential_sender_password": "s3cret-pw"})
    )
    assert view["title"]["text"] == "5/5 Summary"
    assert secret_manager.payloads() == [b'{"sender_id":"acme-sender","sender_password":"s3cret-pw"}']
    assert "Sender ID + Sender Password" in texts(view)
    assert len(wizard.refs()) == 1


def test_netsuite_has_no_credential_inputs_and_says_what_happens_instead(
    wizard: Wizard, secret_manager: Emulator, slack_api: SlackWebApi
) -> None:
    wizard.start("start netsuite")
    wizard.submit(PREREQS_DONE)
    view = updated(wizard.submit({"registration_checks": ["review_requirements", "engage_specialist"]}))
    assert "mailbox" not in block_ids(view)  # no developer registration
    assert view["title"]["text"] == "4/5 Credentials"
    assert not [b for b in block_ids(view) if b.startswith("credential_")]
    assert "SuiteBundle" in texts(view)
    assert view["submit"]["text"] == "Next"
    view = updated(wizard.submit({"credentials_checks": ["netsuite_bundle"]}))
    assert view["title"]["text"] == "5/5 Summary"
    assert "SuiteBundle" in texts(view) and "1 item is still open" in texts(view)
    assert "Enabled in Codat" in texts(view)  # the last item: Codat's to tick
    assert secret_manager.payloads() == [] and wizard.refs() == []
    items = wizard.items()
    assert items.pop("enabled_in_codat").status == "todo"
    assert all(item.status in ("done", "n/a") for item in items.values())
    assert wizard.registration().status == "in_progress"
    # Without CODAT_API_KEY a person marks it done once the integration is on in the Portal.
    wizard.command("done netsuite enabled_in_codat")
    assert wizard.registration().status == "completed"
    assert "completed" in [e.action.split(".")[-1] for e in wizard.audit()]
    slack_api.wait_for("chat.postMessage")


def test_start_alone_opens_the_picker_and_a_selection_shows_the_platform(
    wizard: Wizard, slack_api: SlackWebApi
) -> None:
    view = wizard.start("")
    assert view["title"]["text"] == "1/5 Platform"
    assert metadata(view) == {"s": "platform"}
    select = next(b for b in view["blocks"] if b.get("block_id") == "platform")
    assert select["dispatch_action"] is True
    groups = [g["label"]["text"] for g in select["element"]["option_groups"]]
    assert groups == ["Accounting", "Banking", "Bank feeds", "Commerce"]
    wizard.click("platform_select", selected_option="sage-intacct")
    update = slack_api.wait_for("views.update")[0]
    assert update.params.get("hash")  # an in-place update guarded by the view's hash
    view = wizard.current()
    assert "Sender ID" in texts(view) and "Developer Partner" in texts(view)
    env = next(b for b in view["blocks"] if b.get("block_id") == "environment")
    assert env["element"]["initial_option"]["value"] == "production"  # Sage Intacct has no sandbox
    view = updated(wizard.submit({"platform": "sage-intacct"}))
    assert view["title"]["text"] == "2/5 Prerequisites"
    assert wizard.registration().platform == "sage-intacct"


def test_xero_registration_and_a_completed_summary(wizard: Wizard, secret_manager: Emulator) -> None:
    wizard.start("start xero production")
    wizard.submit({"agreements": "yes", "vault_status": "approved", "contacted": ["contacted"]})
    view = wizard.current()
    checks = [o["value"] for b in view["blocks"] if b.get("block_id", "").startswith("registration_checks")
              for o in b["element"]["options"]]  # fmt: skip
    view = updated(wizard.submit({"mailbox": "xero-admins@acme.example", "registration_checks": checks}))
    view = updated(
        wizard.submit({"credential_client_id": "xero-id", "credential_client_secret": "xero-secret"})
    )
    assert "1 item is still open" in texts(view) and "Enabled in Codat" in texts(view)
    assert {key for key, item in wizard.items().items() if item.status == "todo"} == {"enabled_in_codat"}
    assert wizard.registration().status == "in_progress"  # until Codat says the integration is enabled
    assert len(secret_manager.payloads()) == 1
