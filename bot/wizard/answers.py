"""The edge of a submission: a view's `state.values` (keyed by the ids in bot.wizard.ids) as typed
answers, one dataclass per step.

Parsing never fails: a missing or malformed value becomes None/empty, and bot.wizard.steps decides
what is wrong. Credential values are secrets: their container never shows them in a repr.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.wizard.ids import ActionId, BlockId, Step, credential_block, due_block, owner_block

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
    expires_on: date | None = None  # when the secret expires, if given
    expires_invalid: bool = False  # a value that is no date

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


def picked_date(state: State, block_id: str, action_id: str) -> tuple[date | None, bool]:
    """A date picker's date, and whether what came was not a date."""
    raw = _element(state, block_id, action_id).get("selected_date")
    if isinstance(raw, str) and raw:
        try:
            return date.fromisoformat(raw), False
        except ValueError:
            return None, True
    return None, False


def assignment(state: State, step: Step) -> Assignment:
    due, invalid = picked_date(state, due_block(step), ActionId.due)
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
    expires_on, invalid = picked_date(state, BlockId.credential_expiry, ActionId.credential_expiry)
    return CredentialAnswers(values, checked, assignment(state, Step.credentials), expires_on, invalid)


def _is_checks(block_id: str) -> bool:
    # The registration checkboxes may be split over several blocks (10 options each).
    return block_id == BlockId.registration_checks or block_id.startswith(f"{BlockId.registration_checks}_")


def credentials_state(
    values: Mapping[str, str],
    *,
    owner: str | None,
    due: date | None,
    checked: frozenset[str],
    expires_on: date | None = None,
) -> State:
    """The credentials step's `state.values`, as the modal would send it, from values typed
    elsewhere (the secure page: bot.secure_page) and the step's other answers as saved — so one
    submission (bot.wizard.flow.submit_credentials) reads either surface the same way."""
    state: dict[str, dict[str, Any]] = {
        credential_block(key): {ActionId.credential: {"type": "plain_text_input", "value": value}}
        for key, value in values.items()
    }
    if owner:
        chosen = {"type": "users_select", "selected_user": owner}
        state[owner_block(Step.credentials)] = {ActionId.owner: chosen}
    if due is not None:
        picked = {"type": "datepicker", "selected_date": due.isoformat()}
        state[due_block(Step.credentials)] = {ActionId.due: picked}
    if expires_on is not None:
        picked = {"type": "datepicker", "selected_date": expires_on.isoformat()}
        state[BlockId.credential_expiry] = {ActionId.credential_expiry: picked}
    options = [{"value": key} for key in sorted(checked)]
    state[BlockId.credential_checks] = {
        ActionId.credential_checks: {"type": "checkboxes", "selected_options": options}
    }
    return state
