"""The platform catalogue: the real data file loads, holds together and answers lookups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.catalogue import (
    UNKNOWN,
    Catalogue,
    CatalogueError,
    Category,
    Lookup,
    Platform,
    load_catalogue,
)

SLACK_OPTION_TEXT_MAX = 75  # plain_text of a select option
SLACK_SELECT_OPTIONS_MAX = 100  # options in one static_select


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def _normalize(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# --- the real data file --------------------------------------------------------------------------


def test_default_catalogue_loads_once(catalogue: Catalogue) -> None:
    assert len(catalogue) >= 40
    assert load_catalogue() is load_catalogue()


def test_every_category_has_platforms_in_category_order(catalogue: Catalogue) -> None:
    groups = catalogue.by_category()
    assert list(groups) == list(Category)
    assert all(groups.values())
    assert sum(len(platforms) for platforms in groups.values()) == len(catalogue)
    for category, platforms in groups.items():
        assert all(p.category is category for p in platforms)


def test_category_titles() -> None:
    assert [c.title for c in Category] == ["Accounting", "Banking", "Bank feeds", "Commerce"]
    assert Category("bank-feeds") is Category.bank_feeds


def test_ids_are_unique_stable_slugs(catalogue: Catalogue) -> None:
    ids = [p.id for p in catalogue]
    assert len(ids) == len(set(ids))
    for platform_id in ids:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", platform_id)
    for expected in (
        "quickbooks-online",
        "xero",
        "sage-intacct",
        "netsuite",
        "exact-online-nl",
        "exact-online-uk",
        "xero-bank-feeds",
    ):
        assert expected in catalogue


def test_aliases_are_unique_across_platforms(catalogue: Catalogue) -> None:
    owners: dict[str, str] = {}
    for platform in catalogue:
        for spelling in {_normalize(s) for s in (platform.id, platform.name, *platform.aliases)}:
            assert owners.setdefault(spelling, platform.id) == platform.id, spelling


def test_names_fit_a_slack_option(catalogue: Catalogue) -> None:
    assert len(catalogue) <= SLACK_SELECT_OPTIONS_MAX
    for platform in catalogue:
        assert len(platform.name) <= SLACK_OPTION_TEXT_MAX, platform.id


def test_platform_keys_are_codat_keys_or_unknown(catalogue: Catalogue) -> None:
    for platform in catalogue:
        assert platform.platform_key == UNKNOWN or re.fullmatch(r"[a-z]{4}", platform.platform_key)


@pytest.mark.parametrize(
    ("platform_id", "key", "sandbox_key"),
    [
        ("quickbooks-online", "qhyg", "ndsk"),
        ("xero", "gbol", None),
        ("netsuite", "akxx", None),
        ("square", "zsth", "xcwv"),
        ("stripe", "exgd", "yzth"),
        ("lightspeed-restaurant", "ldgh", "lrhd"),
        ("pandle", UNKNOWN, None),
    ],
)
def test_codat_keys_follow_codats_own_tables(
    catalogue: Catalogue, platform_id: str, key: str, sandbox_key: str | None
) -> None:
    platform = catalogue.get(platform_id)
    assert platform.platform_key == key
    assert platform.sandbox_platform_key == sandbox_key


def test_yapily_and_ebay_are_left_out(catalogue: Catalogue) -> None:
    assert catalogue.find("yapily").platform is None
    assert catalogue.find("ebay").platform is None


def test_credentials_required_matches_fields(catalogue: Catalogue) -> None:
    for platform in catalogue:
        assert platform.credentials_required == bool(platform.credential_fields), platform.id
        if not platform.credentials_required:
            assert platform.no_credentials_reason, platform.id


def test_multi_field_credentials_are_stored_as_one_json_payload(catalogue: Catalogue) -> None:
    for platform in catalogue:
        assert platform.store_as_json == (len(platform.credential_fields) >= 2), platform.id


def test_field_keys_are_snake_case_and_unique(catalogue: Catalogue) -> None:
    for platform in catalogue:
        keys = [f.key for f in platform.credential_fields]
        assert len(keys) == len(set(keys))
        assert all(re.fullmatch(r"[a-z0-9_]{1,40}", key) for key in keys)


def test_secret_looking_fields_are_secret(catalogue: Catalogue) -> None:
    for platform in catalogue:
        for field in platform.credential_fields:
            if re.search(r"secret|password", field.key):
                assert field.secret, (platform.id, field.key)
            if re.search(r"(^|_)id$", field.key):
                assert not field.secret, (platform.id, field.key)


def test_links_are_public_codat_pages(catalogue: Catalogue) -> None:
    for platform in catalogue:
        assert platform.sources
        for link in platform.docs:
            assert link.url.startswith(("https://docs.codat.io/", "https://help.codat.io/")), link.url
        assert platform.portal_url == UNKNOWN or platform.portal_url.startswith(
            "https://app.codat.io/settings/integrations/"
        )


def test_only_quickbooks_online_requires_a_generic_mailbox(catalogue: Catalogue) -> None:
    assert [p.id for p in catalogue if p.requires_generic_mailbox] == ["quickbooks-online"]


@pytest.mark.parametrize(
    ("platform_id", "reason_mentions"),
    [
        ("netsuite", "SuiteBundle"),
        ("shopify", "custom app"),
        ("woocommerce", "Application name"),
        ("quickbooks-desktop", "Web Connector"),
    ],
)
def test_platforms_without_credentials_say_why(
    catalogue: Catalogue, platform_id: str, reason_mentions: str
) -> None:
    platform = catalogue.get(platform_id)
    assert not platform.credentials_required
    assert platform.credential_fields == ()
    assert platform.no_credentials_reason is not None
    assert reason_mentions in platform.no_credentials_reason


def test_sage_intacct_fields(catalogue: Catalogue) -> None:
    platform = catalogue.get("sage-intacct")
    assert [(f.key, f.secret) for f in platform.credential_fields] == [
        ("sender_id", False),
        ("sender_password", True),
    ]
    assert platform.label_for("sender_id") == "Sender ID"
    assert platform.secret_fields == (platform.field("sender_password"),)
    with pytest.raises(KeyError):
        platform.label_for("client_id")


def test_field_naming_quirks_are_kept(catalogue: Catalogue) -> None:
    assert catalogue.get("myob").field("app_key").codat_field == "Client Key"
    assert catalogue.get("zettle").field("client_id").codat_field == "Client Key"
    assert len(catalogue.get("amazon-seller-central").credential_fields) == 6
    plaid = catalogue.get("plaid")
    assert [f.key for f in plaid.credential_fields] == ["client_id", "sandbox_secret", "development_secret"]


def test_inconsistencies_are_flagged_not_resolved(catalogue: Catalogue) -> None:
    xero_caps = [h.text for h in catalogue.get("xero").hurdles if h.kind == "connection_cap"]
    assert any("5" in text and "25" in text for text in xero_caps)
    assert catalogue.get("freeagent").sandbox_available == UNKNOWN


def test_sandbox_details(catalogue: Catalogue) -> None:
    qbo = catalogue.get("quickbooks-online")
    assert qbo.has_sandbox
    assert qbo.redirect_uri_for("sandbox") == "https://quickbooksonlinesandbox.codat.io/oauth2/callback"
    assert qbo.redirect_uri_for("production") == "https://quickbooksonline.codat.io/oauth2/callback"
    assert not catalogue.get("sage-intacct").has_sandbox
    assert catalogue.get("netsuite").redirect_uri_for("production") is None


def test_get_unknown_id_raises_key_error(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError):
        catalogue.get("no-such-platform")


def test_platforms_are_immutable(catalogue: Catalogue) -> None:
    with pytest.raises(ValueError, match="frozen"):
        catalogue.get("xero").name = "Zero"  # type: ignore[misc]


# --- lookups ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("qbo", "quickbooks-online"),
        ("QBO", "quickbooks-online"),
        ("quickbooks", "quickbooks-online"),
        ("QuickBooks Online", "quickbooks-online"),
        ("quickbooks-online", "quickbooks-online"),
        ("qhyg", "quickbooks-online"),
        ("ndsk", "quickbooks-online"),
        ("xero", "xero"),
        ("gbol", "xero"),  # shared with Xero Bank Feeds: the accounting entry wins
        ("akxx", "netsuite"),
        ("sage intacct", "sage-intacct"),
        ("Sage-Intacct", "sage-intacct"),
        ("intacct", "sage-intacct"),
        ("netsuite", "netsuite"),
        ("Oracle NetSuite", "netsuite"),
        ("d365", "dynamics-365-business-central"),
        ("bc", "dynamics-365-business-central"),
        ("xero bank feeds", "xero-bank-feeds"),
        ("zsth", "square"),
        ("truel", "truelayer"),  # unique prefix
        ("  Plaid!  ", "plaid"),
    ],
)
def test_find_resolves(catalogue: Catalogue, query: str, expected: str) -> None:
    lookup = catalogue.find(query)
    assert lookup.platform is not None, lookup
    assert lookup.platform.id == expected
    assert lookup.candidates == (lookup.platform,)
    assert lookup.suggestions == ()


@pytest.mark.parametrize(
    ("query", "includes"),
    [
        ("quickb", {"quickbooks-online", "quickbooks-desktop"}),
        ("exact", {"exact-online-nl", "exact-online-uk"}),
        ("sage", {"sage-accounting", "sage-intacct", "sage-50", "sage-200"}),
    ],
)
def test_ambiguous_prefix_lists_candidates(catalogue: Catalogue, query: str, includes: set[str]) -> None:
    lookup = catalogue.find(query)
    assert lookup.platform is None
    assert lookup.ambiguous
    ids = [p.id for p in lookup.candidates]
    assert includes <= set(ids)
    assert ids == [p.id for p in catalogue if p.id in ids]  # catalogue order


@pytest.mark.parametrize(("query", "suggested"), [("xeor", "Xero"), ("quikbooks onlin", "QuickBooks Online")])
def test_unknown_word_gives_suggestions(catalogue: Catalogue, query: str, suggested: str) -> None:
    lookup = catalogue.find(query)
    assert lookup == Lookup(None, (), lookup.suggestions)
    assert suggested in lookup.suggestions
    assert len(lookup.suggestions) <= 3


@pytest.mark.parametrize("query", ["", "   ", "--", "unknown"])
def test_empty_or_placeholder_queries_match_nothing(catalogue: Catalogue, query: str) -> None:
    lookup = catalogue.find(query)
    assert lookup.platform is None
    assert lookup.candidates == ()


# --- a broken catalogue fails loudly ------------------------------------------------------------------

VALID_ENTRY = """
[[platforms]]
id = "{id}"
name = "{name}"
category = "{category}"
platform_key = "unknown"
aliases = {aliases}
credentials_required = {credentials_required}
{fields}
developer_registration = true
sandbox = "unknown"
sandbox_available = "unknown"
portal_path = "Codat Portal > Settings > Integrations > Accounting"
portal_url = "https://app.codat.io/settings/integrations/accounting"
sources = ["cd:integrations/accounting/overview"]
"""

FIELDS = """store_as_json = true
credential_fields = [
  {{ key = "{field_key}", label = "Client ID", secret = false }},
  {{ key = "client_secret", label = "Client secret", secret = true }},
]"""


def _entry(
    platform_id: str = "acme",
    *,
    name: str | None = None,
    category: str = "accounting",
    aliases: tuple[str, ...] = (),
    credentials_required: bool = True,
    with_fields: bool = True,
    field_key: str = "client_id",
) -> str:
    fields = FIELDS.format(field_key=field_key) if with_fields else 'no_credentials_reason = "None."'
    return VALID_ENTRY.format(
        id=platform_id,
        name=name or platform_id.title(),
        category=category,
        aliases="[" + ", ".join(f'"{a}"' for a in aliases) + "]",
        credentials_required=str(credentials_required).lower(),
        fields=fields,
    )


def _load(tmp_path: Path, text: str) -> Catalogue:
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    return load_catalogue(path)


def test_a_valid_minimal_catalogue_loads(tmp_path: Path) -> None:
    catalogue = _load(
        tmp_path, _entry("acme") + _entry("globex", with_fields=False, credentials_required=False)
    )
    assert [p.id for p in catalogue] == ["acme", "globex"]
    assert isinstance(catalogue.get("acme"), Platform)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            _entry("acme") + _entry("acme", name="Acme Two"), "duplicate platform id 'acme'", id="dup-id"
        ),
        pytest.param(_entry("acme", category="payroll"), "platform 'acme' (#1): category", id="bad-category"),
        pytest.param(
            _entry("acme", with_fields=False),
            "credentials_required is true but credential_fields is empty",
            id="no-fields",
        ),
        pytest.param(
            _entry("acme", aliases=("ac",)) + _entry("globex", aliases=("AC",)),
            "alias 'AC' of platform 'globex' clashes with alias 'ac' of platform 'acme'",
            id="dup-alias",
        ),
        pytest.param(
            _entry("acme") + _entry("globex", aliases=("acme",)),
            "alias 'acme' of platform 'globex' clashes with id 'acme'",
            id="alias-is-other-id",
        ),
        pytest.param(_entry("acme", field_key="Client-ID"), "field key 'Client-ID'", id="bad-field-key"),
        pytest.param(
            _entry("acme", field_key="client_secret"), "duplicate credential field key", id="dup-field"
        ),
        pytest.param(_entry("Acme"), "id 'Acme' must be a lowercase-hyphen slug", id="bad-id"),
        pytest.param(_entry("acme") + "colour = 'red'\n", "colour", id="unknown-key"),
        pytest.param("[[platforms]\n", "invalid TOML", id="bad-toml"),
        pytest.param("", "no [[platforms]]", id="empty"),
    ],
)
def test_broken_catalogue_raises_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CatalogueError) as excinfo:
        _load(tmp_path, text)
    assert message in str(excinfo.value)


def test_missing_file_raises_catalogue_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "nope.toml")
