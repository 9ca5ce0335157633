"""The checklist definition: the guide's base items in phase order, plus platform extras."""

from __future__ import annotations

import pytest

from bot.catalogue import ENVIRONMENTS, Catalogue, Platform, load_catalogue
from bot.registrations.checklist import (
    BASE_ITEMS,
    BASE_KEYS,
    ItemDefinition,
    Phase,
    checklist_for,
    item_title,
)

SLACK_OPTION_TEXT_MAX = 75

EXPECTED_BASE = [
    ("existing_agreements", Phase.prerequisites),
    ("contact_owner", Phase.prerequisites),
    ("vault_approved", Phase.prerequisites),
    ("review_requirements", Phase.registration),
    ("engage_specialist", Phase.registration),
    ("register_generic_mailbox", Phase.registration),
    ("retrieve_credentials", Phase.credentials),
]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def _keys(items: list[ItemDefinition]) -> list[str]:
    return [item.key for item in items]


def _all_checklists(catalogue: Catalogue) -> list[tuple[Platform, str, list[ItemDefinition]]]:
    return [(p, env, checklist_for(p, env)) for p in catalogue for env in ENVIRONMENTS]


def test_base_items_are_the_guides_seven_in_phase_order() -> None:
    assert [(item.key, item.phase) for item in BASE_ITEMS] == EXPECTED_BASE
    assert list(BASE_KEYS) == [key for key, _ in EXPECTED_BASE]
    assert list(Phase) == [Phase.prerequisites, Phase.registration, Phase.credentials]
    assert [phase.title for phase in Phase] == ["Prerequisites", "Registration", "Credentials"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_quickbooks_online_has_all_base_items_in_phase_order(catalogue: Catalogue, environment: str) -> None:
    items = checklist_for(catalogue.get("quickbooks-online"), environment)
    base = [item for item in items if item.key in BASE_KEYS]
    assert [(item.key, item.phase) for item in base] == EXPECTED_BASE
    phases = [list(Phase).index(item.phase) for item in items]
    assert phases == sorted(phases)


def test_questionnaire_only_in_qbo_production(catalogue: Catalogue) -> None:
    qbo = catalogue.get("quickbooks-online")
    production = _keys(checklist_for(qbo, "production"))
    sandbox = _keys(checklist_for(qbo, "sandbox"))
    assert "intuit_app_assessment" in production
    assert "intuit_app_assessment" not in sandbox
    assert "intuit_create_app" in production and "intuit_create_app" in sandbox
    # The questionnaire comes before the production keys can be retrieved.
    assert production.index("intuit_app_assessment") < production.index("retrieve_credentials")


def test_qbo_mailbox_item_says_it_is_required(catalogue: Catalogue) -> None:
    items = {i.key: i for i in checklist_for(catalogue.get("quickbooks-online"), "production")}
    assert "requires it" in items["register_generic_mailbox"].help


@pytest.mark.parametrize(
    ("platform_id", "environment", "key"),
    [
        ("xero", "production", "xero_partner_certification"),
        ("sage-intacct", "sandbox", "intacct_partner_credentials"),
        ("dynamics-365-business-central", "production", "bc_secret_rotation"),
        ("myob", "sandbox", "myob_developer_account"),
        ("exact-online-nl", "production", "exact_request_permission"),
        ("plaid", "production", "plaid_access_request"),
        ("truelayer", "production", "truelayer_kyb"),
        ("stripe", "production", "stripe_connect_review"),
        ("xero-bank-feeds", "sandbox", "xero_bank_feeds_api"),
        ("amazon-seller-central", "production", "amazon_developer_review"),
        ("paypal", "production", "paypal_tpp_registration"),
        ("lightspeed-restaurant", "sandbox", "lightspeed_partner"),
        ("sage-200", "production", "sage200_refresh_token"),
    ],
)
def test_platform_extras_appear(catalogue: Catalogue, platform_id: str, environment: str, key: str) -> None:
    assert key in _keys(checklist_for(catalogue.get(platform_id), environment))


def test_production_only_extras_are_left_out_of_sandbox(catalogue: Catalogue) -> None:
    for platform in catalogue:
        sandbox = _keys(checklist_for(platform, "sandbox"))
        for extra in platform.extra_checklist:
            assert (extra.key in sandbox) == ("sandbox" in extra.environments), (platform.id, extra.key)


@pytest.mark.parametrize("platform_id", ["netsuite", "shopify", "woocommerce", "quickbooks-desktop"])
def test_no_credentials_platforms_explain_instead(catalogue: Catalogue, platform_id: str) -> None:
    platform = catalogue.get(platform_id)
    items = {item.key: item for item in checklist_for(platform, "production")}
    assert "register_generic_mailbox" not in items  # no developer registration to make
    retrieve = items["retrieve_credentials"]
    assert retrieve.title == "Confirm no credentials are needed"
    assert retrieve.help == platform.no_credentials_reason
    assert item_title("retrieve_credentials", platform) == retrieve.title


def test_unknown_credentials_are_said_to_be_unknown(catalogue: Catalogue) -> None:
    platform = catalogue.get("dynamics-365-finance-operations")
    items = {item.key: item for item in checklist_for(platform, "production")}
    assert items["retrieve_credentials"].title == "Find out which credentials are needed"
    assert items["retrieve_credentials"].help.startswith("Unknown")
    assert "mark n/a" in items["register_generic_mailbox"].help  # registration need unknown: kept


def test_credentials_help_names_the_platforms_fields(catalogue: Catalogue) -> None:
    items = {i.key: i for i in checklist_for(catalogue.get("sage-intacct"), "production")}
    assert "Sender ID and Sender Password" in items["retrieve_credentials"].help


def test_every_checklist_is_well_formed(catalogue: Catalogue) -> None:
    for platform, environment, items in _all_checklists(catalogue):
        keys = _keys(items)
        assert len(keys) == len(set(keys)), (platform.id, environment)
        assert keys[:3] == ["existing_agreements", "contact_owner", "vault_approved"]
        assert "retrieve_credentials" in keys
        order = [(list(Phase).index(i.phase), i.order) for i in items]
        assert order == sorted(order), (platform.id, environment)
        for item in items:
            assert item.title and item.help, (platform.id, item.key)
            assert len(item.title) <= SLACK_OPTION_TEXT_MAX, (platform.id, item.key)
            assert len(item.key) <= 64  # checklist_items.item_key


def test_extras_never_reuse_a_base_key(catalogue: Catalogue) -> None:
    for platform in catalogue:
        assert not {extra.key for extra in platform.extra_checklist} & set(BASE_KEYS), platform.id


def test_item_title(catalogue: Catalogue) -> None:
    qbo = catalogue.get("quickbooks-online")
    assert item_title("existing_agreements", qbo) == "Find existing agreements"
    assert item_title("intuit_app_assessment", qbo) == "Pass Intuit's App Assessment Questionnaire"
    # A key an older catalogue defined still renders.
    assert item_title("old_removed_step", qbo) == "Old removed step"


def test_unknown_environment_is_rejected(catalogue: Catalogue) -> None:
    with pytest.raises(ValueError, match="environment"):
        checklist_for(catalogue.get("xero"), "staging")
