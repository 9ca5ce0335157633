"""Each step's decision on its typed answers: the errors to show (keyed by input block id; nothing is
saved), or the checklist item statuses and answers to save. Pure: no Slack, no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.catalogue import Catalogue, Platform
from bot.expiry import rules as expiry_rules
from bot.registrations.checklist import ENABLED_IN_CODAT
from bot.wizard import texts as t
from bot.wizard.answers import (
    Assignment,
    CredentialAnswers,
    PlatformAnswers,
    PrerequisiteAnswers,
    RegistrationAnswers,
)
from bot.wizard.credentials import JSON_FIELD
from bot.wizard.ids import BlockId, Step, credential_block, due_block
from bot.wizard.mailbox import MailboxCheck
from storage.statuses import ItemStatus

DONE, TODO, NOT_APPLICABLE = ItemStatus.done, ItemStatus.todo, ItemStatus.not_applicable
# Registration checkboxes that are answers, not checklist items.
PORTAL_ACCOUNT = "portal_account"
MAILBOX_ITEM = "register_generic_mailbox"


@dataclass(frozen=True)
class Outcome:
    """A validated step: errors to show (nothing saved), or statuses and answers to save."""

    errors: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, ItemStatus] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)


def _done_if(condition: bool) -> ItemStatus:
    return DONE if condition else TODO


def platform_errors(value: PlatformAnswers, catalogue: Catalogue) -> dict[str, str]:
    """Step 1: a platform of the catalogue and an environment, or what is missing."""
    errors: dict[str, str] = {}
    if not value.platform_id:
        errors[BlockId.platform] = t.ERROR_PLATFORM_REQUIRED
    elif value.platform_id not in catalogue:
        errors[BlockId.platform] = t.ERROR_PLATFORM_UNKNOWN
    if value.environment not in t.ENVIRONMENT_OPTIONS:
        errors[BlockId.environment] = t.ERROR_ENVIRONMENT_REQUIRED
    return errors


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
    contact = DONE if value.contacted else NOT_APPLICABLE if value.agreements == "no" else TODO
    statuses = {
        "existing_agreements": _done_if(value.agreements != "unsure"),
        "contact_owner": contact,
        "vault_approved": _done_if(value.vault == "approved"),
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
    if MAILBOX_ITEM in item_keys:
        if check is not None and not check.accepted:
            errors[BlockId.mailbox] = check.message or t.MAILBOX_MALFORMED
        elif mailbox_required and check is None:
            errors[BlockId.mailbox] = t.ERROR_MAILBOX_REQUIRED
    if errors:
        return Outcome(errors)
    statuses = {key: _done_if(key in value.checked) for key in item_keys}
    address = check.address if check is not None else None
    if MAILBOX_ITEM in statuses:
        statuses[MAILBOX_ITEM] = _done_if(bool(address))
    answers: dict[str, Any] = {PORTAL_ACCOUNT: PORTAL_ACCOUNT in value.checked, "mailbox": address}
    if address and confirmed and address.lower() == confirmed.lower():
        answers["mailbox_confirmed"] = address
    return Outcome({}, statuses, answers)


def credentials_outcome(
    value: CredentialAnswers,
    *,
    platform: Platform,
    item_keys: tuple[str, ...],
    stored_fields: frozenset[str],
    today: date,
) -> Outcome:
    """Errors for missing credential fields; statuses assume the vault write (if any) succeeds.

    `stored_fields` are vault field names already stored: "credentials" for a JSON payload.
    """
    errors = assignment_errors(value.assignment, Step.credentials, today)
    if platform.credentials_required:
        wrong_date = expiry_rules.error(platform, value.expires_on, value.expires_invalid, today)
        if wrong_date is not None:
            errors[BlockId.credential_expiry] = wrong_date
        given = set(value.given)
        missing = [f for f in platform.required_fields if f.key not in given]
        if platform.store_as_json:
            if JSON_FIELD not in stored_fields or given:
                # Replacing a stored JSON payload takes every field: one version holds them all.
                replacing = bool(given) and JSON_FIELD in stored_fields
                for credential in missing:
                    errors[credential_block(credential.key)] = (
                        t.ERROR_CREDENTIAL_ALL_OR_NONE
                        if replacing
                        else t.ERROR_CREDENTIAL_REQUIRED.format(label=credential.label)
                    )
        else:
            for credential in missing:
                if credential.key not in stored_fields:
                    errors[credential_block(credential.key)] = t.ERROR_CREDENTIAL_REQUIRED.format(
                        label=credential.label
                    )
    if errors:
        return Outcome(errors)
    # "Enabled in Codat" is Codat's to tick (bot.codat.verification): the step never changes it.
    statuses = {key: _done_if(key in value.checked) for key in item_keys if key != ENABLED_IN_CODAT}
    if "retrieve_credentials" in statuses and (platform.credentials_required or platform.credentials_known):
        statuses["retrieve_credentials"] = DONE
    return Outcome({}, statuses, {})
