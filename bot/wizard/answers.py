"""Typed answers from a submitted view's `state.values` (keyed by the ids in bot.wizard.ids).

Parsing never fails: a missing or malformed value becomes None/empty, and the flow's validation
decides what is wrong. Credential values are secrets: their container never shows them in a repr.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.catalogue import Platform
from bot.wizard import texts as t
from bot.wizard.credentials import JSON_FIELD, CredentialInputError, CredentialPayload, payloads_for
from bot.wizard.ids import ActionId, BlockId, Step, credential_block, due_block, owner_block
from bot.wizard.mailbox import MailboxCheck

State = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Assignment:
    """Owner and due date for a step's open items."""

    owner: str | None
    due: date | None
    due_invalid: bool = False


@dataclass(frozen=True)
class PlatformAnswers:
    platform_id: str | None
    environment: str | None


@dataclass(frozen=True)
class PrerequisiteAnswers:
    agreements: str | None  # yes | no | unsure
    details: str
    relationship_owner: str | None
    contacted: bool
    vault: str | None  # approved | pending
    vault_where: str
    assignment: Assignment


@dataclass(frozen=True)
class RegistrationAnswers:
    mailbox: str | None
    checked: frozenset[str]
    assignment: Assignment


class Secrets(dict[str, str]):
    """Credential values by field key. Never printed: the repr names the keys only."""

    def __repr__(self) -> str:
        return f"Secrets({sorted(self)!r}: [redacted])"

    __str__ = __repr__


@dataclass(frozen=True)
class CredentialAnswers:
    values: Secrets = field(repr=False)
    checked: frozenset[str]
    assignment: Assignment

    @property
    def given(self) -> tuple[str, ...]:
        """Keys of the fields the person filled in (not their values)."""
        return tuple(key for key, value in self.values.items() if value.strip())


def _element(state: State, block_id: str, action_id: str) -> Mapping[str, Any]:
    block = state.get(block_id) or {}
    element = block.get(action_id)
    return element if isinstance(element, Mapping) else {}


def text(state: State, block_id: str, action_id: str) -> str:
    value = _element(state, block_id, action_id).get("value")
    return value.strip() if isinstance(value, str) else ""


def raw_text(state: State, block_id: str, action_id: str) -> str:
    """A text input exactly as typed (credentials: whitespace is the vault's business)."""
    value = _element(state, block_id, action_id).get("value")
    return value if isinstance(value, str) else ""


def choice(state: State, block_id: str, action_id: str) -> str | None:
    option = _element(state, block_id, action_id).get("selected_option")
    value = option.get("value") if isinstance(option, Mapping) else None
    return value if isinstance(value, str) and value else None


def choices(state: State, block_id: str, action_id: str) -> frozenset[str]:
    options = _element(state, block_id, action_id).get("selected_options") or []
    return frozenset(
        o["value"] for o in options if isinstance(o, Mapping) and isinstance(o.get("value"), str)
    )


def user(state: State, block_id: str, action_id: str) -> str | None:
    value = _element(state, block_id, action_id).get("selected_user")
    return value if isinstance(value, str) and value else None


def assignment(state: State, step: Step) -> Assignment:
    raw = _element(state, due_block(step), ActionId.due).get("selected_date")
    due, invalid = None, False
    if isinstance(raw, str) and raw:
        try:
            due = date.fromisoformat(raw)
        except ValueError:
            invalid = True
    return Assignment(user(state, owner_block(step), ActionId.owner), due, invalid)


def platform_answers(state: State) -> PlatformAnswers:
    return PlatformAnswers(
        choice(state, BlockId.platform, ActionId.platform_select),
        choice(state, BlockId.environment, ActionId.environment),
    )


def prerequisite_answers(state: State) -> PrerequisiteAnswers:
    return PrerequisiteAnswers(
        agreements=choice(state, BlockId.agreements, ActionId.agreements),
        details=text(state, BlockId.agreements_details, ActionId.agreements_details),
        relationship_owner=user(state, BlockId.relationship_owner, ActionId.relationship_owner),
        contacted=bool(choices(state, BlockId.contacted, ActionId.contacted)),
        vault=choice(state, BlockId.vault_status, ActionId.vault_status),
        vault_where=text(state, BlockId.vault_where, ActionId.vault_where),
        assignment=assignment(state, Step.prerequisites),
    )


def registration_answers(state: State) -> RegistrationAnswers:
    mailbox = text(state, BlockId.mailbox, ActionId.mailbox)
    checked = frozenset().union(
        *(
            choices(state, block_id, ActionId.registration_checks)
            for block_id in state
            if _is_checks(block_id)
        )
    )
    return RegistrationAnswers(mailbox or None, checked, assignment(state, Step.registration))


def credential_answers(state: State, field_keys: tuple[str, ...]) -> CredentialAnswers:
    values = Secrets({key: raw_text(state, credential_block(key), ActionId.credential) for key in field_keys})
    checked = choices(state, BlockId.credential_checks, ActionId.credential_checks)
    return CredentialAnswers(values, checked, assignment(state, Step.credentials))


def _is_checks(block_id: str) -> bool:
    # The registration checkboxes may be split over several blocks (10 options each).
    return block_id == BlockId.registration_checks or block_id.startswith(f"{BlockId.registration_checks}_")


# --- validation: answers -> errors keyed by input block id, or the item statuses to save ------------


@dataclass(frozen=True)
class Outcome:
    """A validated step: errors to show (nothing saved), or statuses and answers to save."""

    errors: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)


def assignment_errors(value: Assignment, step: Step, today: date) -> dict[str, str]:
    # A day of grace: the person's calendar may be a day behind UTC.
    if value.due_invalid or (value.due is not None and value.due < date.fromordinal(today.toordinal() - 1)):
        return {due_block(step): t.ERROR_DUE_PAST}
    return {}


def prerequisites_outcome(value: PrerequisiteAnswers, today: date) -> Outcome:
    errors = assignment_errors(value.assignment, Step.prerequisites, today)
    if value.agreements not in t.AGREEMENTS_OPTIONS:
        errors[BlockId.agreements] = t.ERROR_AGREEMENTS_REQUIRED
    if value.vault not in t.VAULT_OPTIONS:
        errors[BlockId.vault_status] = t.ERROR_VAULT_REQUIRED
    if errors:
        return Outcome(errors)
    contact = "done" if value.contacted else "n/a" if value.agreements == "no" else "todo"
    statuses = {
        "existing_agreements": "todo" if value.agreements == "unsure" else "done",
        "contact_owner": contact,
        "vault_approved": "done" if value.vault == "approved" else "todo",
    }
    answers = {
        "agreements": value.agreements,
        "details": value.details,
        "relationship_owner": value.relationship_owner,
        "vault": value.vault,
        "vault_where": value.vault_where,
    }
    return Outcome({}, statuses, answers)


def registration_outcome(
    value: RegistrationAnswers,
    *,
    item_keys: tuple[str, ...],
    mailbox_required: bool,
    check: MailboxCheck | None,
    confirmed: str | None,
    today: date,
) -> Outcome:
    """`check` is bot.wizard.mailbox's verdict on the typed mailbox (None when none was typed);
    `confirmed` the address the person already confirmed despite a warning."""
    errors = assignment_errors(value.assignment, Step.registration, today)
    if "register_generic_mailbox" in item_keys:
        if check is not None and not check.accepted:
            errors[BlockId.mailbox] = check.message or t.MAILBOX_MALFORMED
        elif mailbox_required and check is None:
            errors[BlockId.mailbox] = t.ERROR_MAILBOX_REQUIRED
    if errors:
        return Outcome(errors)
    statuses = {key: "done" if key in value.checked else "todo" for key in item_keys}
    address = check.address if check is not None else None
    if "register_generic_mailbox" in statuses:
        statuses["register_generic_mailbox"] = "done" if address else "todo"
    answers: dict[str, Any] = {"portal_account": "portal_account" in value.checked, "mailbox": address}
    if address and confirmed and address.lower() == confirmed.lower():
        answers["mailbox_confirmed"] = address
    return Outcome({}, statuses, answers)


def credentials_outcome(
    value: CredentialAnswers | None,
    *,
    platform: Platform,
    item_keys: tuple[str, ...],
    stored_fields: frozenset[str],
    today: date,
) -> Outcome:
    """Errors for missing credential fields; statuses assume the vault write (if any) succeeds.

    `stored_fields` are vault field names already stored: "credentials" for a JSON payload.
    """
    checked = value.checked if value else frozenset()
    errors = assignment_errors(value.assignment, Step.credentials, today) if value else {}
    if platform.credentials_required and value is not None:
        given = set(value.given)
        missing = [f for f in platform.required_fields if f.key not in given]
        if platform.store_as_json:
            if JSON_FIELD not in stored_fields or given:
                for credential in missing:
                    message = (
                        t.ERROR_CREDENTIAL_ALL_OR_NONE if given and JSON_FIELD in stored_fields else None
                    )
                    errors[credential_block(credential.key)] = message or t.ERROR_CREDENTIAL_REQUIRED.format(
                        label=credential.label
                    )
        else:
            for credential in missing:
                if credential.key not in stored_fields:
                    errors[credential_block(credential.key)] = t.ERROR_CREDENTIAL_REQUIRED.format(
                        label=credential.label
                    )
    if errors:
        return Outcome(errors)
    statuses = {key: "done" if key in checked else "todo" for key in item_keys}
    if "retrieve_credentials" in statuses and (platform.credentials_required or platform.credentials_known):
        statuses["retrieve_credentials"] = "done"
    return Outcome({}, statuses, {})


def item_after(
    row: Any,
    statuses: Mapping[str, str],
    owner: str,
    due: date | None,
    user_id: str,
    now: datetime,
    remind: Callable[[date | None], datetime],
) -> dict[str, Any]:
    """A checklist item row's columns after a step: "done" stamps who and when; an open item gets
    the step's owner and due date and a first reminder (kept when nothing about it changed)."""
    item = dict(row._mapping)
    status = statuses.get(item["item_key"])
    if status is None:
        return item
    was, item["status"] = item["status"], status
    if status == "done":
        if was != "done":
            item["completed_by"], item["completed_at"] = user_id, now
    else:
        item["completed_by"] = item["completed_at"] = None
    if status != "todo":
        item["next_reminder_at"] = None
    elif (
        was != "todo"
        or (item["owner_user_id"], item["due_date"]) != (owner, due)
        or not item["next_reminder_at"]
    ):
        item["owner_user_id"], item["due_date"] = owner, due
        item["next_reminder_at"] = remind(due)
    return item


def settled_status(status: str, items: list[dict[str, Any]], other_in_progress: Callable[[], bool]) -> str:
    """At the summary: completed when no item is left to do; back in progress when an edit reopened
    one, unless another registration of the platform and environment is (the unique index)."""
    open_items = any(item["status"] == "todo" for item in items)
    if not open_items and status == "in_progress":
        return "completed"
    if open_items and status == "completed" and not other_in_progress():
        return "in_progress"
    return status


def payloads(platform: Platform, given: Mapping[str, str]) -> list[CredentialPayload]:
    """What to store for the filled-in credential fields (bot.wizard.credentials decides the shape)."""
    try:
        return payloads_for(platform, given)
    except CredentialInputError as error:
        if platform.store_as_json or error.unknown:
            raise
        # Stored per field: a field already stored and left empty keeps its stored value.
        return [CredentialPayload(key, raw.strip()) for key, raw in given.items()]
