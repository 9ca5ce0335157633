"""The mailbox a company registers with a platform: well-formed, and a shared team mailbox.

Pure rules (no Slack, no database) plus a small in-memory cache of the registering person's
Slack profile (users.info), which the wizard fills when it opens so the check at submission
costs nothing.

For platforms that require a generic mailbox (QuickBooks Online) the person's own Slack email and
free-mail domains are refused. Everywhere else they only earn a warning. An address that looks
personal (first.last@, or containing the person's name) is warned about once: submitting the same
address again confirms it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.wizard import texts as t

MAX_LENGTH = 254
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_TLD = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")

# Exact free-mail domains, and families whose first label is free mail under any country TLD
# (yahoo.co.uk, hotmail.fr, gmx.de, yandex.ru …).
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "live.com", "msn.com", "icloud.com", "me.com",
        "mac.com", "aol.com", "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "mail.com",
        "zoho.com", "zohomail.com", "qq.com", "163.com", "126.com", "yeah.net", "sina.com",
        "web.de", "t-online.de", "mail.ru", "inbox.ru", "bk.ru", "list.ru", "rambler.ru",
        "tutanota.com", "tuta.io", "fastmail.com", "fastmail.fm", "hey.com", "hushmail.com",
        "rocketmail.com", "ymail.com", "btinternet.com", "sky.com", "comcast.net", "verizon.net",
        "att.net", "orange.fr", "free.fr", "laposte.net", "libero.it", "naver.com", "daum.net",
        "rediffmail.com", "seznam.cz", "wp.pl", "o2.pl", "interia.pl",
    }
)  # fmt: skip
FREE_MAIL_FAMILIES = frozenset({"yahoo", "hotmail", "gmx", "yandex", "outlook", "live", "aol"})

# Words that make a local part a team or role mailbox rather than a person's.
ROLE_WORDS = frozenset(
    {
        "accounting", "accounts", "admin", "admins", "api", "apps", "billing", "codat", "contact",
        "developer", "developers", "dev", "devops", "eng", "engineering", "finance", "help",
        "hello", "info", "integration", "integrations", "it", "mailbox", "noreply", "office", "ops",
        "operations", "partners", "partnerships", "platform", "platforms", "product", "registrations",
        "security", "service", "services", "shared", "support", "sysadmin", "sysadmins", "system",
        "systems", "team", "tech", "treasury",
    }
)  # fmt: skip
_PERSONAL = re.compile(r"[a-z]+[._-][a-z]+\d*")  # first.last, first_last, f.last, first-last2
_NAME_MIN = 3


class Verdict(StrEnum):
    ok = "ok"
    rejected = "rejected"  # an error the person must fix
    warned = "warned"  # an error the first time; the same address submitted again is accepted


@dataclass(frozen=True)
class MailboxCheck:
    verdict: Verdict
    address: str  # as it will be stored: trimmed, domain lowercased
    message: str | None = None

    @property
    def accepted(self) -> bool:
        return self.verdict is Verdict.ok


@dataclass(frozen=True)
class Profile:
    """What the rules need from the registering person's Slack profile."""

    email: str | None
    names: tuple[str, ...] = ()  # real name, display name, username


def normalize(address: str) -> str:
    """Trim, and lowercase the domain (the local part is case-sensitive in principle)."""
    address = address.strip()
    local, at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}" if at else address


def is_well_formed(address: str) -> bool:
    """A plausible internet address: local@domain.tld, no spaces, within RFC 5321 lengths."""
    if not address or len(address) > MAX_LENGTH or address.count("@") != 1:
        return False
    local, domain = address.split("@")
    if not local or len(local) > 64 or not _LOCAL.fullmatch(local):
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return False
    return bool(_TLD.fullmatch(labels[-1]))


def is_free_mail(address: str) -> bool:
    domain = address.rpartition("@")[2].lower()
    if domain in FREE_MAIL_DOMAINS:
        return True
    labels = domain.split(".")
    return len(labels) in (2, 3) and labels[0] in FREE_MAIL_FAMILIES


def same_mailbox(a: str, b: str) -> bool:
    """Equal ignoring case and +tags (alice+qbo@acme.com is alice@acme.com)."""

    def canonical(address: str) -> str:
        local, _, domain = address.strip().lower().rpartition("@")
        return f"{local.split('+', 1)[0]}@{domain}"

    return canonical(a) == canonical(b)


def name_tokens(names: Iterable[str]) -> frozenset[str]:
    """Lowercase words of at least three letters from a person's names."""
    tokens: set[str] = set()
    for name in names:
        tokens.update(w for w in re.split(r"[^a-z]+", name.lower()) if len(w) >= _NAME_MIN)
    return frozenset(tokens - ROLE_WORDS)


def looks_personal(address: str, names: Iterable[str] = ()) -> bool:
    """first.last@ shapes, or the person's own name in the local part, unless it names a role."""
    local = address.rpartition("@")[0].lower().split("+", 1)[0]
    words = [w for w in re.split(r"[^a-z]+", local) if w]
    if any(word in ROLE_WORDS for word in words):
        return False
    if _PERSONAL.fullmatch(local):
        return True
    return any(token in local for token in name_tokens(names))


def check_mailbox(
    raw: str,
    *,
    generic_required: bool,
    profile: Profile | None = None,
    confirmed: str | None = None,
) -> MailboxCheck:
    """Apply the rules. `profile` None (Slack did not say) skips the own-email rule.

    `confirmed` is an address the person already submitted twice despite a warning.
    """
    address = normalize(raw)
    if not is_well_formed(address):
        return MailboxCheck(Verdict.rejected, address, t.MAILBOX_MALFORMED)
    own = profile.email if profile else None
    if own and same_mailbox(address, own):
        verdict = Verdict.rejected if generic_required else Verdict.warned
        message = t.MAILBOX_OWN_REJECTED if generic_required else t.MAILBOX_OWN_WARNING
        return _unless_confirmed(MailboxCheck(verdict, address, message), confirmed)
    if is_free_mail(address):
        domain = address.rpartition("@")[2]
        if generic_required:
            return MailboxCheck(Verdict.rejected, address, t.MAILBOX_FREE_REJECTED.format(domain=domain))
        check = MailboxCheck(Verdict.warned, address, t.MAILBOX_FREE_WARNING.format(domain=domain))
        return _unless_confirmed(check, confirmed)
    if looks_personal(address, profile.names if profile else ()):
        return _unless_confirmed(MailboxCheck(Verdict.warned, address, t.MAILBOX_PERSONAL_WARNING), confirmed)
    return MailboxCheck(Verdict.ok, address)


def _unless_confirmed(check: MailboxCheck, confirmed: str | None) -> MailboxCheck:
    if check.verdict is Verdict.warned and confirmed and confirmed.lower() == check.address.lower():
        return MailboxCheck(Verdict.ok, check.address)
    return check
