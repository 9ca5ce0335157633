"""The wizard's view builders against Slack's modal limits, for every platform, environment and step."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.catalogue import ENVIRONMENTS, Catalogue, Platform, load_catalogue
from bot.registrations.checklist import checklist_for
from bot.wizard.ids import BlockId, Metadata, Step, credential_block
from bot.wizard.snapshot import ItemView, Snapshot, StoredView
from bot.wizard.step_views import step_view
from bot.wizard.summary_views import dm_message
from bot.wizard.views import gone_view, loading_view, picker_view
from core.i18n import LANGUAGES, use_language
from simulators.slack.views import view_errors

# Slack's documented limits (docs.slack.dev: modal views, block kit blocks and elements).
TITLE, BUTTON_TEXT, OPTION_TEXT, OPTION_VALUE = 24, 75, 75, 150
BLOCKS, METADATA, CALLBACK_ID, BLOCK_ID = 100, 3000, 255, 255
SECTION, HEADER, CONTEXT, LABEL, HINT, PLACEHOLDER = 3000, 150, 2000, 2000, 2000, 150
TEXT_INPUT_MAX, CHECKBOX_OPTIONS, GROUP_OPTIONS, ACTIONS_ELEMENTS = 3000, 10, 100, 25
STEPS = (Step.prerequisites, Step.registration, Step.credentials, Step.summary)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def snapshot(platform: Platform, environment: str, *, stored: bool = False, dev: bool = True) -> Snapshot:
    items = tuple(
        ItemView(item.key, item.title, item.phase, "todo", "U0ALICE", date(2026, 12, 1))
        for item in checklist_for(platform, environment)
    )
    refs = ()
    if stored:
        refs = (StoredView("credentials", "hmac:3f9a1c2b7d0e", "projects/p/secrets/s/versions/3", "3"),)
    return Snapshot(
        registration_id="0123456789abcdef0123456789abcdef",
        team_id="T0001",
        platform=platform,
        environment=environment,
        step=Step.credentials,
        status="in_progress",
        user_id="U0ALICE",
        vault_label="Secret Manager emulator at 127.0.0.1:8085 (project p; in memory — development only)",
        vault_development_only=dev,
        answers={
            "prerequisites": {"agreements": "yes", "details": "d" * 2000, "vault_where": "w" * 300},
            "registration": {"mailbox": "system-admins@acme.example", "portal_account": True},
        },
        items=items,
        stored=refs,
    )


def _text(obj: dict[str, Any] | None) -> str:
    return (obj or {}).get("text") or ""


def check_element(element: dict[str, Any]) -> None:
    kind = element["type"]
    assert len(element.get("action_id", "")) <= 255
    assert len(_text(element.get("placeholder"))) <= PLACEHOLDER
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        assert len(_text(group["label"])) <= OPTION_TEXT
        assert 0 < len(group["options"]) <= GROUP_OPTIONS
        options += group["options"]
    for option in options:
        assert 0 < len(_text(option["text"])) <= OPTION_TEXT, option
        assert 0 < len(option["value"]) <= OPTION_VALUE
    if kind in ("checkboxes", "radio_buttons"):
        assert 0 < len(options) <= CHECKBOX_OPTIONS
    initials = list(element.get("initial_options") or [])
    if element.get("initial_option"):
        initials.append(element["initial_option"])
    assert all(initial in options for initial in initials), "an initial option must be one of the options"
    if "initial_options" in element:
        assert element["initial_options"], "Slack refuses an empty initial_options"
    if kind == "plain_text_input":
        assert element.get("max_length", TEXT_INPUT_MAX) <= TEXT_INPUT_MAX
        assert len(element.get("initial_value") or "") <= element.get("max_length", TEXT_INPUT_MAX)
    if kind == "button":
        assert len(_text(element["text"])) <= BUTTON_TEXT
        assert len(element.get("value") or "") <= 2000


def check_modal(view: dict[str, Any]) -> None:
    """Every limit Slack enforces on a modal, checked on the dict we send."""
    assert view["type"] == "modal"
    assert 0 < len(view["title"]["text"]) <= TITLE
    for key in ("submit", "close"):
        assert len(_text(view.get(key))) <= TITLE
    assert 0 < len(view["blocks"]) <= BLOCKS
    assert len(view.get("private_metadata") or "") <= METADATA
    assert len(view.get("callback_id") or "") <= CALLBACK_ID
    ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(ids) == len(set(ids)) and all(len(i) <= BLOCK_ID for i in ids)
    has_input = False
    for block in view["blocks"]:
        kind = block["type"]
        if kind == "section":
            assert 0 < len(_text(block["text"])) <= SECTION
        elif kind == "header":
            assert len(_text(block["text"])) <= HEADER
        elif kind == "context":
            assert all(len(e.get("text", "")) <= CONTEXT for e in block["elements"])
        elif kind == "input":
            has_input = True
            assert 0 < len(_text(block["label"])) <= LABEL
            assert len(_text(block.get("hint"))) <= HINT
            check_element(block["element"])
        elif kind == "actions":
            assert len(block["elements"]) <= ACTIONS_ELEMENTS
            action_ids = [e["action_id"] for e in block["elements"]]
            assert len(action_ids) == len(set(action_ids))
            for element in block["elements"]:
                check_element(element)
        else:
            assert kind == "divider", kind
    assert not has_input or view.get("submit"), "a modal with inputs needs a submit button"
    # And the Slack stand-in's own checks (what views.open / views.update would refuse), and
    # slack_sdk's over the plain dicts we build: to_dict() runs validate_json(), which raises
    # SlackObjectFormationError past any limit slack_sdk knows (title, blocks, texts, options …).
    assert view_errors(view, ("modal",)) == []
    assert View(**view).to_dict() == view


@pytest.fixture(params=LANGUAGES)
def in_language(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test in each language: Slack's limits hold in French too."""
    with use_language(request.param) as language:
        yield language


def test_picker_renders_every_platform_in_category_groups(catalogue: Catalogue, in_language: str) -> None:
    view = picker_view(catalogue)
    check_modal(view)
    select = next(b for b in view["blocks"] if b.get("block_id") == BlockId.platform)
    ids = [o["value"] for g in select["element"]["option_groups"] for o in g["options"]]
    assert sorted(ids) == sorted(p.id for p in catalogue)
    assert json.loads(view["private_metadata"]) == {"s": "platform"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_picker_with_every_platform_selected(
    catalogue: Catalogue, environment: str, in_language: str
) -> None:
    for platform in catalogue:
        view = picker_view(
            catalogue, platform=platform, environment=environment, resume_step=Step.credentials
        )
        check_modal(view)
        env = next(b for b in view["blocks"] if b.get("block_id") == BlockId.environment)
        assert env["element"]["initial_option"]["value"] == environment


def test_picker_defaults_to_sandbox_only_when_the_platform_has_one(catalogue: Catalogue) -> None:
    def initial(view: dict[str, Any]) -> str:
        env = next(b for b in view["blocks"] if b.get("block_id") == BlockId.environment)
        return env["element"]["initial_option"]["value"]

    assert initial(picker_view(catalogue, platform=catalogue.get("quickbooks-online"))) == "sandbox"
    assert initial(picker_view(catalogue, platform=catalogue.get("sage-intacct"))) == "production"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("stored", [False, True])
def test_every_step_of_every_platform_fits_the_modal_limits(
    catalogue: Catalogue, environment: str, step: Step, stored: bool, in_language: str
) -> None:
    for platform in catalogue:
        for editing in (False, True):
            view = step_view(snapshot(platform, environment, stored=stored), step, editing=editing)
            check_modal(view)
            meta = Metadata.load(view["private_metadata"])
            assert meta is not None and meta.step is step
            assert set(json.loads(view["private_metadata"])) <= {"r", "s", "e"}


def test_credential_inputs_follow_the_catalogue_and_are_never_prefilled(catalogue: Catalogue) -> None:
    for platform in catalogue:
        for stored in (False, True):
            view = step_view(snapshot(platform, "production", stored=stored), Step.credentials)
            inputs = [b for b in view["blocks"] if b.get("block_id", "").startswith("credential_")]
            assert [b["block_id"] for b in inputs] == [
                credential_block(f.key) for f in platform.credential_fields
            ]
            for block, field in zip(inputs, platform.credential_fields, strict=True):
                assert "initial_value" not in block["element"]
                assert block["element"]["type"] == "plain_text_input"
                stored_here = stored and platform.store_as_json
                assert block["optional"] is (not field.required or stored_here)
                assert ("Stored ✓ hmac:3f9a1c2b7d0e" in _text(block.get("hint"))) is stored_here
            if not platform.credentials_required:
                sections = " ".join(_text(b.get("text")) for b in view["blocks"])
                assert (platform.no_credentials_reason or "") in sections


def test_the_summary_names_references_and_owners_never_values(catalogue: Catalogue) -> None:
    platform = catalogue.get("quickbooks-online")
    view = step_view(snapshot(platform, "sandbox", stored=True), Step.summary)
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "Client ID + Client Secret" in text and "projects/p/secrets/s/versions/3" in text
    assert "hmac:3f9a1c2b7d0e" in text and "development only" in text
    assert "<@U0ALICE>" in text and "due Tue 01 Dec" in text
    assert "enter these credentials in Codat Portal > Settings" in text
    assert view["close"]["text"] == "Done" and "submit" not in view
    fallback, blocks = dm_message(snapshot(platform, "sandbox", stored=True))
    assert "QuickBooks Online" in fallback and len(blocks) <= 50


def test_the_mailbox_input_is_required_only_where_the_platform_requires_it(catalogue: Catalogue) -> None:
    def mailbox(platform_id: str) -> dict[str, Any] | None:
        view = step_view(snapshot(catalogue.get(platform_id), "production"), Step.registration)
        return next((b for b in view["blocks"] if b.get("block_id") == BlockId.mailbox), None)

    qbo, xero, netsuite = mailbox("quickbooks-online"), mailbox("xero"), mailbox("netsuite")
    assert qbo is not None and qbo["optional"] is False and "generic team mailbox" in _text(qbo["hint"])
    assert xero is not None and xero["optional"] is True
    assert netsuite is None  # no developer registration, no mailbox question
    assert qbo["element"]["initial_value"] == "system-admins@acme.example"  # saved answers come back


def test_the_redirect_uri_for_the_environment_is_ready_to_copy(catalogue: Catalogue) -> None:
    platform = catalogue.get("quickbooks-online")
    for environment in ENVIRONMENTS:
        view = step_view(snapshot(platform, environment), Step.registration)
        block = next(b for b in view["blocks"] if b.get("block_id") == BlockId.redirect_uri)
        assert f"```{platform.redirect_uri_for(environment)}```" in block["text"]["text"]


def test_loading_and_gone_views(catalogue: Catalogue, in_language: str) -> None:
    for view in (loading_view(), gone_view()):
        check_modal(view)
        assert "submit" not in view


def _extreme_platform(catalogue: Catalogue) -> Platform:
    """The longest entry Slack could be asked to show: every text far beyond its limit."""
    base = catalogue.get("amazon-seller-central").model_dump()
    long = "x" * 5000
    base |= {
        "id": "extreme-platform",
        "name": "N" * 300,
        "sandbox": long,
        "hurdles": [{"kind": "other", "text": long} for _ in range(30)],
        "docs": [{"title": "T" * 200, "url": "https://docs.codat.io/" + "p" * 500} for _ in range(20)],
        "credential_fields": [
            {
                "key": f"field_{i}",
                "label": "L" * 3000,
                "secret": i % 2 == 0,
                "hint": long,
                "codat_field": long,
            }
            for i in range(20)
        ],
        "extra_checklist": [
            {"key": f"extra_{i}", "title": "E" * 300, "phase": phase, "help": long}
            for i in range(25)
            for phase in ("registration",)
        ]
        + [{"key": f"cred_{i}", "title": "C" * 300, "phase": "credentials", "help": long} for i in range(25)],
        "portal_path": long,
        "redirect_uri": "https://x.codat.io/" + "r" * 2000,
    }
    return Platform.model_validate(base)


def test_the_longest_possible_entry_still_renders(catalogue: Catalogue, in_language: str) -> None:
    platform = _extreme_platform(catalogue)
    check_modal(picker_view(catalogue, platform=platform))
    for step in STEPS:
        for stored in (False, True):
            check_modal(step_view(snapshot(platform, "production", stored=stored), step))
