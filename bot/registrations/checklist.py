"""The one checklist definition: Codat's prerequisites and steps, plus each platform's extras.

The base items follow Codat's "Get platform credentials" page
(https://docs.codat.io/enterprise/tech-implementation/managing-platform-credentials): three
prerequisites, then four steps. Platform-specific items come from the catalogue's
`extra_checklist`. The last item, "Enabled in Codat", is there for every platform whose Codat key
is known: it ticks itself when Codat's API says the integration is enabled (bot.codat), never from
a checkbox. Registrations store item keys, so keys are stable; titles and help may change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.catalogue import ENVIRONMENTS, UNKNOWN, ExtraItem, Platform
from bot.codat import texts as codat_texts
from bot.registrations import texts as t
from core.i18n import N_, format_list, gettext

# Extras without an explicit `order` come after the base items of their phase, in file order.
_EXTRA_ORDER_START = 1000


class Phase(StrEnum):
    """Checklist phases, in the order a registration goes through them."""

    prerequisites = "prerequisites"
    registration = "registration"
    credentials = "credentials"

    @property
    def title(self) -> str:  # type: ignore[override]  # display name, e.g. "Prerequisites"
        return gettext(_PHASE_TITLES[self.value])


_PHASE_TITLES = {
    "prerequisites": N_("Prerequisites"),
    "registration": N_("Registration"),
    "credentials": N_("Credentials"),
}


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
        title=N_("Find existing agreements"),
        phase=Phase.prerequisites,
        help=N_(
            "Look for relationships you already have, such as Open Banking agreements or earlier direct "
            "integrations. Existing accounts are often registered to a generic team mailbox."
        ),
        order=100,
    ),
    ItemDefinition(
        key="contact_owner",
        title=N_("Contact the relationship owner"),
        phase=Phase.prerequisites,
        help=N_(
            "Ask the relationship owner or system admin what the agreement covers, how the data may be "
            "used and how to reach the API keys."
        ),
        order=200,
    ),
    ItemDefinition(
        key="vault_approved",
        title=N_("Get a vault approved"),
        phase=Phase.prerequisites,
        help=N_(
            "Ask data governance to approve a vault for highly confidential credentials. "
            "Until then, the Codat Portal can serve as an interim secure store."
        ),
        order=300,
    ),
    ItemDefinition(
        key="review_requirements",
        title=N_("Review the platform's requirements"),
        phase=Phase.registration,
        help=N_(
            "Read the platform's registration and partnership requirements (complexity, partner "
            "programme, connection limits) in Codat's integration overview tables."
        ),
        order=100,
    ),
    ItemDefinition(
        key="engage_specialist",
        title=N_("Engage your Codat implementation specialist"),
        phase=Phase.registration,
        help=N_(
            "Work with your Codat implementation specialist on any commercial relationship "
            "the platform needs."
        ),
        order=200,
    ),
    ItemDefinition(
        key="register_generic_mailbox",
        title=N_("Register with a generic mailbox"),
        phase=Phase.registration,
        help=N_(
            "Register with the platform using a generic mailbox (e.g. system-admins@yourorg.com), so access "
            "is shared and controlled. Some platforms, e.g. QuickBooks, require it."
        ),
        order=300,
    ),
    ItemDefinition(
        key="retrieve_credentials",
        title=N_("Retrieve the credentials"),
        phase=Phase.credentials,
        help=N_(
            "Get the client ID and secret, or equivalent, from the platform's developer portal. "
            "Use sandbox companies for testing where the platform offers them."
        ),
        order=100,
    ),
)
BASE_KEYS: tuple[str, ...] = tuple(item.key for item in BASE_ITEMS)
_BASE_BY_KEY = {item.key: item for item in BASE_ITEMS}

# The last item of every checklist whose platform has a known Codat key: ticked by the bot when
# Codat says the integration is enabled (bot.codat.verification), not by a person's checkbox.
ENABLED_IN_CODAT = "enabled_in_codat"
_LAST_ORDER = 1_000_000  # after every base item and extra of the credentials phase


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
        if extra.key in _BASE_BY_KEY or extra.key == ENABLED_IN_CODAT:
            raise ValueError(f"{platform.id}: extra item {extra.key!r} reuses a base item key")
        if extra.applies_to(environment):
            items.append(_from_extra(extra, index))
    if platform.codat_key_for(environment) is not None:
        items.append(_enabled_in_codat(platform))
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
    if key == ENABLED_IN_CODAT:
        return codat_texts.ITEM_TITLE
    for extra in platform.extra_checklist:
        if extra.key == key:
            return extra.title
    return key.replace("_", " ").capitalize()


def _base_title(base: ItemDefinition, platform: Platform) -> str:
    if base.key == "retrieve_credentials" and not platform.credentials_required:
        if not platform.credentials_known:
            return t.CHECKLIST_FIND_OUT_CREDENTIALS
        return t.CHECKLIST_CONFIRM_NO_CREDENTIALS
    return gettext(base.title)


def _adapt(base: ItemDefinition, platform: Platform, environment: str) -> ItemDefinition | None:
    name = platform.name
    help_text = gettext(base.help)
    if base.key == "existing_agreements":
        help_text = t.CHECKLIST_AGREEMENTS_HELP.format(name=name)
    elif base.key == "review_requirements":
        help_text = t.CHECKLIST_REQUIREMENTS_HELP.format(name=name)
    elif base.key == "register_generic_mailbox":
        if platform.developer_registration is False:
            return None
        help_text = t.CHECKLIST_MAILBOX_HELP.format(name=name)
        if platform.requires_generic_mailbox:
            help_text += " " + t.CHECKLIST_MAILBOX_REQUIRED.format(name=name)
        elif platform.developer_registration == UNKNOWN:
            help_text += " " + t.CHECKLIST_MAILBOX_UNKNOWN
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
    listed = format_list(labels)
    text = t.CHECKLIST_CREDENTIALS_HELP.format(fields=listed, name=platform.name)
    if environment == "sandbox":
        text += " " + (
            t.CHECKLIST_TEST_OPTION.format(text=platform.sandbox)
            if platform.has_sandbox
            else t.CHECKLIST_USE_SANDBOX
        )
    return text


def _enabled_in_codat(platform: Platform) -> ItemDefinition:
    credentials = platform.credentials_required
    template = codat_texts.ITEM_HELP if credentials else codat_texts.ITEM_HELP_NO_CREDENTIALS
    return ItemDefinition(
        key=ENABLED_IN_CODAT,
        title=codat_texts.ITEM_TITLE,
        phase=Phase.credentials,
        help=template.format(path=platform.portal_path, platform=platform.id),
        order=_LAST_ORDER,
    )


def _from_extra(extra: ExtraItem, index: int) -> ItemDefinition:
    return ItemDefinition(
        key=extra.key,
        title=extra.title,
        phase=Phase(extra.phase),
        help=extra.help,
        order=extra.order if extra.order is not None else _EXTRA_ORDER_START + index,
    )
