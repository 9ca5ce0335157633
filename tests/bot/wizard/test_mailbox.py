"""The generic-mailbox rules: pure functions of the address and the person's profile."""

from __future__ import annotations

import pytest

from bot.wizard.mailbox import (
    Profile,
    Verdict,
    check_mailbox,
    is_free_mail,
    is_well_formed,
    looks_personal,
    normalize,
    same_mailbox,
)

ALICE = Profile(email="alice@acme.example", names=("Alice Archer", "alice"))


@pytest.mark.parametrize(
    "address",
    [
        "system-admins@acme.com",
        "a@b.co",
        "x.y+tag@sub.example.org",
        "o'brien@acme.ie",
        "dev@xn--bcher-kva.de",
    ],
)
def test_well_formed(address: str) -> None:
    assert is_well_formed(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "plain",
        "@acme.com",
        "admins@",
        "admins@acme",
        "two@@acme.com",
        "a b@acme.com",
        "admins@acme..com",
        "admins@-acme.com",
        ".admins@acme.com",
        "admins.@acme.com",
        "admins@acme.c0m",
        "x" * 65 + "@acme.com",
        "admins@" + "a" * 250 + ".com",
    ],
)
def test_malformed(address: str) -> None:
    assert not is_well_formed(address)
    check = check_mailbox(address, generic_required=False)
    assert check.verdict is Verdict.rejected and "isn't an email address" in (check.message or "")


@pytest.mark.parametrize(
    "address",
    [
        "team@gmail.com",
        "team@googlemail.com",
        "team@yahoo.com",
        "team@yahoo.co.uk",
        "team@hotmail.fr",
        "team@outlook.com",
        "team@live.com",
        "team@msn.com",
        "team@icloud.com",
        "team@me.com",
        "team@aol.com",
        "team@proton.me",
        "team@protonmail.com",
        "team@gmx.de",
        "team@mail.com",
        "team@yandex.ru",
        "team@zoho.com",
        "team@qq.com",
        "team@163.com",
        "TEAM@GMAIL.COM",
    ],
)
def test_free_mail(address: str) -> None:
    assert is_free_mail(address)


@pytest.mark.parametrize(
    "address", ["team@acme.com", "team@mail.acme.com", "team@yahooligans-consulting.com"]
)
def test_company_domains_are_not_free_mail(address: str) -> None:
    assert not is_free_mail(address)


def test_same_mailbox_ignores_case_and_plus_tags() -> None:
    assert same_mailbox("Alice+qbo@ACME.example", "alice@acme.example")
    assert not same_mailbox("alice@acme.example", "alice@acme.other")


def test_normalize_trims_and_lowercases_the_domain_only() -> None:
    assert normalize("  Sys.Admins@ACME.Example \n") == "Sys.Admins@acme.example"


@pytest.mark.parametrize(
    ("address", "personal"),
    [
        ("jane.doe@acme.com", True),
        ("jane_doe@acme.com", True),
        ("j.doe@acme.com", True),
        ("jane-doe2@acme.com", True),
        ("aarcher@acme.com", True),  # contains the person's surname
        ("alice@other.com", True),  # the person's first name
        ("system.admins@acme.com", False),  # role words make it a team mailbox
        ("it-team@acme.com", False),
        ("finance.ops@acme.com", False),
        ("integrations@acme.com", False),
        ("codat@acme.com", False),
    ],
)
def test_looks_personal(address: str, personal: bool) -> None:
    assert looks_personal(address, ALICE.names) is personal


def test_generic_required_rejects_the_own_address_and_free_mail() -> None:
    own = check_mailbox("ALICE+qbo@acme.example", generic_required=True, profile=ALICE)
    assert own.verdict is Verdict.rejected and "your own Slack address" in (own.message or "")
    free = check_mailbox("registrations@gmail.com", generic_required=True, profile=ALICE)
    assert free.verdict is Verdict.rejected and "gmail.com" in (free.message or "")


def test_generic_required_rejection_cannot_be_confirmed_away() -> None:
    own = check_mailbox(
        "alice@acme.example", generic_required=True, profile=ALICE, confirmed="alice@acme.example"
    )
    assert own.verdict is Verdict.rejected


def test_elsewhere_the_own_address_and_free_mail_are_only_warnings() -> None:
    assert (
        check_mailbox("alice@acme.example", generic_required=False, profile=ALICE).verdict is Verdict.warned
    )
    assert check_mailbox("team@gmail.com", generic_required=False, profile=ALICE).verdict is Verdict.warned


def test_a_personal_warning_is_accepted_once_confirmed() -> None:
    first = check_mailbox("jane.doe@acme.com", generic_required=True, profile=ALICE)
    assert first.verdict is Verdict.warned and "press Next again" in (first.message or "")
    again = check_mailbox(
        "Jane.Doe@ACME.com", generic_required=True, profile=ALICE, confirmed="jane.doe@acme.com"
    )
    assert again.verdict is Verdict.ok and again.accepted


def test_without_a_profile_the_own_address_rule_is_skipped() -> None:
    check = check_mailbox("registrations@acme.example", generic_required=True, profile=None)
    assert check.verdict is Verdict.ok


def test_a_team_mailbox_is_accepted() -> None:
    check = check_mailbox(" system-admins@ACME.example ", generic_required=True, profile=ALICE)
    assert check.verdict is Verdict.ok and check.address == "system-admins@acme.example"
