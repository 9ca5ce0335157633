"""The one checklist definition: Codat's prerequisites and steps, plus each platform's extras.

The base items follow Codat's "Get platform credentials" page
(https://docs.codat.io/enterprise/tech-implementation/managing-platform-credentials): three
prerequisites, then four steps. Platform-specific items come from the catalogue's
`extra_checklist`. Registrations store item keys, so keys are stable; titles and help may change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.catalogue import ENVIRONMENTS, UNKNOWN, ExtraItem, Platform

# Extras without an explicit `order` come after the base items of their phase, in file order.
_EXTRA_ORDER_START = 1000


class Phase(StrEnum):
    """Checklist phases, in the order a registration goes through them."""

    prerequisites = "prerequisites"
    registration = "registration"
    credentials = "credentials"

    @property
    def title(self) -> str:  # type: ignore[override]  # display name, e.g. "Prerequisites"
        return self.value.capitalize()


_PHASE_ORDER = {phase: position for position, phase in enumerate(Phase)}


@dataclass(frozen=True)
class ItemDefinition:
    """One checklist item as shown to people; a registration stores only `key` and a status."""

    key: str
    title: str  # short imperative
    phase: Phase
    help: str  # one or two sentences for a person in a hurry
    order: int  # position within the phase


BASE_ITEMS: tuple[ItemDefinition, ...] = (
    ItemDefinition(
        key="existing_agreements",
        title="Find existing agreements",
        phase=Phase.prerequisites,
        help=(
            "Look for relationships you already have, such as Open Banking agreements or earlier direct "
            "integrations. Existing accounts are often registered to a generic team mailbox."
        ),
        order=100,
    ),
    ItemDefinition(
        key="contact_owner",
        title="Contact the relationship owner",
        phase=Phase.prerequisites,
        help=(
            "Ask the relationship owner or system admin what the agreement covers, how the data may be "
            "used and how to reach the API keys."
        ),
        order=200,
    ),
    ItemDefinition(
        key="vault_approved",
        title="Get a vault approved",
        phase=Phase.prerequisites,
        help=(
            "Ask data governance to approve a vault for highly confidential credentials. "
            "Until then, the Codat Portal can serve as an interim secure store."
        ),
        order=300,
    ),
    ItemDefinition(
        key="review_requirements",
        title="Review the platform's requirements",
        phase=Phase.registration,
        help=(
            "Read the platform's registration and partnership requirements (complexity, partner "
            "programme, connection limits) in Codat's integration overview tables."
        ),
        order=100,
    ),
    ItemDefinition(
        key="engage_specialist",
        title="Engage your Codat implementation specialist",
        phase=Phase.registration,
        help=(
            "Work with your Codat implementation specialist on any commercial relationship "
            "the platform needs."
        ),
        order=200,
    ),
    ItemDefinition(
        key="register_generic_mailbox",
        title="Register with a generic mailbox",
        phase=Phase.registration,
        help=(
            "Register with the platform using a generic mailbox (e.g. system-admins@yourorg.com), so access "
            "is shared and controlled. Some platforms, e.g. QuickBooks, require it."
        ),
        order=300,
    ),
    ItemDefinition(
        key="retrieve_credentials",
        title="Retrieve the credentials",
        phase=Phase.credentials,
        help=(
            "Get the client ID and secret, or equivalent, from the platform's developer portal. "
            "Use sandbox companies for testing where the platform offers them."
        ),
        order=100,
    ),
)
BASE_KEYS: tuple[str, ...] = tuple(item.key for item in BASE_ITEMS)
_BASE_BY_KEY = {item.key: item for item in BASE_ITEMS}


def checklist_for(platform: Platform, environment: str) -> list[ItemDefinition]:
    """The checklist for registering with `platform` in `environment` ("sandbox" or "production").

    Base items, adapted to the platform, plus the platform's extras for that environment, ordered
    by phase and then by order. Items are kept whenever a person could need them; a status of
    "n/a" covers the rest. Two base items depend on the platform:

    - `register_generic_mailbox` is left out when the platform has no developer registration
      (e.g. NetSuite, Shopify); kept when it has one or when that is unknown.
    - `retrieve_credentials` is always listed. When the platform needs no company-level
      credentials it becomes "Confirm no credentials are needed", with the catalogue's
      explanation of what happens instead as help; when Codat's docs don't describe the
      credentials it becomes "Find out which credentials are needed".

    Raises ValueError for an unknown environment or an extra item that reuses a base key.
    """
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}; expected one of {ENVIRONMENTS}")
    items = [item for base in BASE_ITEMS if (item := _adapt(base, platform, environment)) is not None]
    for index, extra in enumerate(platform.extra_checklist):
        if extra.key in _BASE_BY_KEY:
            raise ValueError(f"{platform.id}: extra item {extra.key!r} reuses a base item key")
        if extra.applies_to(environment):
            items.append(_from_extra(extra, index))
    # sorted() is stable: on equal order, base items stay ahead of extras.
    return sorted(items, key=lambda item: (_PHASE_ORDER[item.phase], item.order))


def item_title(key: str, platform: Platform) -> str:
    """The title of checklist item `key` for `platform`, in any environment.

    A key no longer in the definition (e.g. an extra removed from the catalogue after a
    registration stored it) gets a readable fallback instead of an error, so old
    registrations still render.
    """
    if key in _BASE_BY_KEY:
        return _base_title(_BASE_BY_KEY[key], platform)
    for extra in platform.extra_checklist:
        if extra.key == key:
            return extra.title
    return key.replace("_", " ").capitalize()


def _base_title(base: ItemDefinition, platform: Platform) -> str:
    if base.key == "retrieve_credentials" and not platform.credentials_required:
        if not platform.credentials_known:
            return "Find out which credentials are needed"
        return "Confirm no credentials are needed"
    return base.title


def _adapt(base: ItemDefinition, platform: Platform, environment: str) -> ItemDefinition | None:
    name = platform.name
    help_text = base.help
    if base.key == "existing_agreements":
        help_text = (
            f"Look for relationships you already have with {name}, such as Open Banking agreements or "
            "earlier direct integrations. Existing accounts are often registered to a generic team mailbox."
        )
    elif base.key == "review_requirements":
        help_text = (
            f"Read {name}'s registration and partnership requirements (complexity, partner programme, "
            "connection limits) in Codat's integration overview tables."
        )
    elif base.key == "register_generic_mailbox":
        if platform.developer_registration is False:
            return None
        help_text = (
            f"Register with {name} using a generic mailbox (e.g. system-admins@yourorg.com), "
            "not a personal one, so access is shared and controlled."
        )
        if platform.requires_generic_mailbox:
            help_text += f" {name} requires it."
        elif platform.developer_registration == UNKNOWN:
            help_text += " Codat's docs don't say whether a registration is needed: mark n/a if not."
    elif base.key == "retrieve_credentials":
        help_text = _credentials_help(platform, environment)
    return ItemDefinition(
        key=base.key,
        title=_base_title(base, platform),
        phase=base.phase,
        help=help_text,
        order=base.order,
    )


def _credentials_help(platform: Platform, environment: str) -> str:
    if not platform.credentials_required:
        return platform.no_credentials_reason or ""
    labels = [field.label for field in platform.required_fields]
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    text = f"Get the {listed} from {platform.name}."
    if environment == "sandbox":
        text += (
            f" Test option: {platform.sandbox}"
            if platform.has_sandbox
            else " Use sandbox companies for testing where the platform offers them."
        )
    return text


def _from_extra(extra: ExtraItem, index: int) -> ItemDefinition:
    return ItemDefinition(
        key=extra.key,
        title=extra.title,
        phase=Phase(extra.phase),
        help=extra.help,
        order=extra.order if extra.order is not None else _EXTRA_ORDER_START + index,
    )
