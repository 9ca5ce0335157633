"""The secure page's links: made, read, and moved through their life by conditional UPDATEs.

`SecureLinks(db)` is the whole API; it takes and returns typed values. A link is looked up by its
public id and matched by the SHA-256 of the whole token (compared in constant time by the caller:
bot.secure_page.tokens). Nothing here ever sees a token, a CSRF token or a session in clear —
only their hashes.

Single use across replicas: a submission first *claims* the link — one UPDATE whose WHERE says
"this token, this CSRF token (and this session), not used, not expired, not claimed by a live
lease" — so exactly one request at a time gets rowcount 1. A stored credential then marks it used
(guarded by the claim's token); a failed store releases the claim, and the person may try again
until the link expires.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, cast

from sqlalchemy import Table, and_, delete, or_, select, update

from storage.audit import Record, append
from storage.db import Database
from storage.models import Registration, SecureLink

_LINKS = cast(Table, SecureLink.__table__)
_REGISTRATIONS = cast(Table, Registration.__table__)
KEPT_AFTER_EXPIRY = timedelta(days=1)  # an expired link still says "expired" this long, then is gone


@dataclass(frozen=True)
class NewLink:
    """A link to make: the hash of its token and what it is bound to."""

    id: str
    token_hash: str
    team_id: str
    user_id: str
    registration_id: str
    field_keys: tuple[str, ...]
    view_id: str | None
    language: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Link:
    """A link as stored: hashes and ids only."""

    id: str
    token_hash: str
    team_id: str
    user_id: str
    registration_id: str
    platform: str
    environment: str
    field_keys: tuple[str, ...]
    view_id: str | None
    language: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    claimed_until: datetime | None
    csrf_hash: str | None
    sign_in_state_hash: str | None
    sign_in_nonce_hash: str | None
    session_hash: str | None
    signed_in_at: datetime | None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def claimed(self, now: datetime) -> bool:
        """A submission is being stored right now (its lease is live)."""
        return self.claimed_until is not None and self.claimed_until > now


class ClaimRefused(Enum):
    """Why a claim found nothing to claim (read back after the UPDATE said no)."""

    gone = "gone"  # no such link (any more)
    used = "used"
    expired = "expired"
    in_use = "in_use"  # another submission holds it right now
    csrf = "csrf"  # not the form's current CSRF token
    session = "session"  # not the browser that signed in


_COLUMNS = (
    "id", "token_hash", "team_id", "user_id", "registration_id", "field_keys", "view_id", "language",
    "created_at", "expires_at", "used_at", "claimed_until", "csrf_hash", "sign_in_state_hash",
    "sign_in_nonce_hash", "session_hash", "signed_in_at",
)  # fmt: skip
_READ = select(
    *(_LINKS.c[name] for name in _COLUMNS), _REGISTRATIONS.c.platform, _REGISTRATIONS.c.environment
).join(
    _REGISTRATIONS,
    and_(_REGISTRATIONS.c.id == _LINKS.c.registration_id, _REGISTRATIONS.c.team_id == _LINKS.c.team_id),
)


def _link(row: Any) -> Link:
    values = dict(row._mapping)
    values["field_keys"] = tuple(values["field_keys"] or ())
    return Link(**values)


class SecureLinks:
    """The secure_links rows, and the audit events of what happens to them (surface given)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, link: NewLink, *events: Record) -> None:
        """Store a new link (and `events`, in its workspace's audit trail) in one transaction;
        links that expired more than a day ago go at the same time."""
        with self.db.write_session() as session:
            session.execute(delete(_LINKS).where(_LINKS.c.expires_at < link.created_at - KEPT_AFTER_EXPIRY))
            values = {**link.__dict__, "field_keys": list(link.field_keys), "updated_at": link.created_at}
            session.execute(_LINKS.insert().values(values))
            append(session, link.team_id, *events)

    def get(self, link_id: str) -> Link | None:
        """The link with this public id (any workspace: the token says which), or None."""
        with self.db.engine.connect() as connection:
            row = connection.execute(_READ.where(_LINKS.c.id == link_id)).first()
        return None if row is None else _link(row)

    def by_sign_in_state(self, state_hash: str) -> Link | None:
        """The link whose sign-in is waiting for this OpenID Connect `state` (hashed)."""
        with self.db.engine.connect() as connection:
            row = connection.execute(_READ.where(_LINKS.c.sign_in_state_hash == state_hash)).first()
        return None if row is None else _link(row)

    def record(self, team_id: str, *events: Record) -> None:
        """Audit events about links, in a transaction of their own."""
        with self.db.write_session() as session:
            append(session, team_id, *events)

    def set_csrf(self, link_id: str, csrf_hash: str, now: datetime, *events: Record) -> bool:
        """The form about to be shown carries a new CSRF token (the previous one stops working);
        False when the link was used meanwhile."""
        return self._update(
            link_id, now, {"csrf_hash": csrf_hash}, events, where=[_LINKS.c.used_at.is_(None)]
        )

    def start_sign_in(self, link_id: str, state_hash: str, nonce_hash: str, now: datetime) -> bool:
        """A sign-in with Slack begins: its state and nonce (hashed); a newer one replaces it."""
        values = {"sign_in_state_hash": state_hash, "sign_in_nonce_hash": nonce_hash}
        return self._update(link_id, now, values, (), where=[_LINKS.c.used_at.is_(None)])

    def finish_sign_in(
        self, link_id: str, state_hash: str, session_hash: str, now: datetime, *events: Record
    ) -> bool:
        """The person signed in: the state is spent (once) and this browser's session is the
        link's; False when the state was spent or replaced meanwhile."""
        values = {
            "sign_in_state_hash": None,
            "sign_in_nonce_hash": None,
            "session_hash": session_hash,
            "signed_in_at": now,
        }
        where = [_LINKS.c.used_at.is_(None), _LINKS.c.sign_in_state_hash == state_hash]
        return self._update(link_id, now, values, events, where=where)

    def claim(
        self,
        link_id: str,
        token_hash: str,
        csrf_hash: str,
        session_hash: str | None,
        now: datetime,
        lease: timedelta,
    ) -> str | ClaimRefused:
        """Claim the link for one submission: the claim's token, or why it could not be claimed.

        One conditional UPDATE: whichever request (of any replica) gets its row first holds the
        lease; every other one finds it used, in use, expired or otherwise not theirs.
        """
        claim = secrets.token_hex(16)
        conditions = [
            _LINKS.c.id == link_id,
            _LINKS.c.token_hash == token_hash,
            _LINKS.c.csrf_hash == csrf_hash,
            _LINKS.c.used_at.is_(None),
            _LINKS.c.expires_at > now,
            or_(_LINKS.c.claimed_until.is_(None), _LINKS.c.claimed_until <= now),
        ]
        if session_hash is not None:
            conditions.append(_LINKS.c.session_hash == session_hash)
        statement = (
            update(_LINKS)
            .where(*conditions)
            .values(claim_token=claim, claimed_until=now + lease, updated_at=now)
        )
        with self.db.write_session() as session:
            claimed = session.execute(statement).rowcount == 1  # type: ignore[attr-defined]
        if claimed:
            return claim
        link = self.get(link_id)
        if link is None or link.token_hash != token_hash:
            return ClaimRefused.gone
        if link.used_at is not None:
            return ClaimRefused.used
        if link.expired(now):
            return ClaimRefused.expired
        if link.claimed(now):
            return ClaimRefused.in_use
        if session_hash is not None and link.session_hash != session_hash:
            return ClaimRefused.session
        return ClaimRefused.csrf

    def release(self, link_id: str, claim: str, now: datetime, *events: Record) -> None:
        """Hand the claim back (nothing was stored): the link may be tried again until it expires."""
        values = {"claim_token": None, "claimed_until": None}
        self._update(link_id, now, values, events, where=[_LINKS.c.claim_token == claim])

    def use(self, link_id: str, claim: str, now: datetime, *events: Record) -> bool:
        """The credentials were stored: the link is used, for good (only by the claim's holder)."""
        values = {"used_at": now, "claim_token": None, "claimed_until": None, "csrf_hash": None}
        return self._update(link_id, now, values, events, where=[_LINKS.c.claim_token == claim])

    def _update(
        self,
        link_id: str,
        now: datetime,
        values: dict[str, Any],
        events: Sequence[Record],
        *,
        where: Sequence[Any],
    ) -> bool:
        """One guarded UPDATE of a link (and its audit events, when it changed a row)."""
        statement = update(_LINKS).where(_LINKS.c.id == link_id, *where).values(**values, updated_at=now)
        with self.db.write_session() as session:
            changed = session.execute(statement).rowcount == 1  # type: ignore[attr-defined]
            team_id = session.execute(select(_LINKS.c.team_id).where(_LINKS.c.id == link_id)).scalar()
            if changed and events and team_id:
                append(session, str(team_id), *events)
        return changed


__all__ = ["ClaimRefused", "Link", "NewLink", "SecureLinks"]
