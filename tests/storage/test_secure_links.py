"""secure_links: a link is claimed by one submission at a time (a conditional UPDATE, so across
replicas too), used once, handed back when nothing was stored — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.secure_page.tokens import digest, new_link_token
from storage.audit import Record, Surface
from storage.db import Database
from storage.models import AuditEvent
from storage.secure_links import ClaimRefused, NewLink, SecureLinks
from tests.storage.conftest import TEAM, new_registration

NOW = datetime(2026, 6, 8, 10, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def make_link(db: Database, *, minutes: int = 10) -> tuple[SecureLinks, str, str, str]:
    """A link, its id, its token's hash and its form's CSRF token's hash."""
    links, token = SecureLinks(db), new_link_token()
    registration = new_registration(db)
    link = NewLink(
        id=token.link_id,
        token_hash=token.hash,
        team_id=TEAM,
        user_id="U0ALICE",
        registration_id=registration,
        field_keys=("client_id", "client_secret"),
        view_id="V0001",
        language="en",
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=minutes),
    )
    made = Record(
        "U0ALICE", "secure_link.created", link.id, registration_id=registration, surface=Surface.modal
    )
    links.create(link, made)
    csrf = digest("the-form")
    assert links.set_csrf(link.id, csrf, NOW)
    return links, link.id, token.hash, csrf


def test_a_link_keeps_hashes_only_and_reads_back_with_its_registration(db: Database) -> None:
    links, link_id, token_hash, csrf = make_link(db)
    link = links.get(link_id)
    assert link is not None and link.token_hash == token_hash and link.csrf_hash == csrf
    assert (link.platform, link.environment, link.field_keys) == (
        "quickbooks-online",
        "sandbox",
        ("client_id", "client_secret"),
    )
    assert links.get("0" * 16) is None
    with db.session() as session:
        (event,) = session.query(AuditEvent).all()
    assert event.action == "secure_link.created" and event.surface == "modal"


def test_one_claim_at_a_time_then_used_once(db: Database) -> None:
    links, link_id, token_hash, csrf = make_link(db)
    claim = links.claim(link_id, token_hash, csrf, None, NOW, LEASE)
    assert not isinstance(claim, ClaimRefused)
    assert links.claim(link_id, token_hash, csrf, None, NOW, LEASE) is ClaimRefused.in_use
    assert links.use(link_id, claim, NOW)
    assert links.claim(link_id, token_hash, csrf, None, NOW, LEASE) is ClaimRefused.used
    assert not links.use(link_id, claim, NOW)  # a claim is spent with the link


def test_a_released_claim_may_be_tried_again_and_a_dead_ones_lease_runs_out(db: Database) -> None:
    links, link_id, token_hash, csrf = make_link(db)
    first = links.claim(link_id, token_hash, csrf, None, NOW, LEASE)
    assert not isinstance(first, ClaimRefused)
    links.release(link_id, first, NOW)
    second = links.claim(link_id, token_hash, csrf, None, NOW, LEASE)
    assert not isinstance(second, ClaimRefused) and second != first
    # The process holding `second` died: after its lease, someone else may claim.
    later = NOW + LEASE + timedelta(seconds=1)
    third = links.claim(link_id, token_hash, csrf, None, later, LEASE)
    assert not isinstance(third, ClaimRefused)
    assert not links.use(link_id, second, later)  # the dead claim can no longer use the link


def test_a_claim_needs_the_token_the_forms_csrf_the_session_and_time_left(db: Database) -> None:
    links, link_id, token_hash, csrf = make_link(db)
    assert links.claim(link_id, digest("other"), csrf, None, NOW, LEASE) is ClaimRefused.gone
    assert links.claim(link_id, token_hash, digest("old-form"), None, NOW, LEASE) is ClaimRefused.csrf
    assert links.claim(link_id, token_hash, csrf, digest("a-session"), NOW, LEASE) is ClaimRefused.session
    late = NOW + timedelta(minutes=10)
    assert links.claim(link_id, token_hash, csrf, None, late, LEASE) is ClaimRefused.expired


def test_concurrent_submissions_claim_the_link_once(db: Database) -> None:
    links, link_id, token_hash, csrf = make_link(db)
    results: list[object] = []
    start = threading.Barrier(8)

    def submit() -> None:
        start.wait()
        results.append(SecureLinks(db).claim(link_id, token_hash, csrf, None, NOW, LEASE))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    claims = [r for r in results if not isinstance(r, ClaimRefused)]
    assert len(results) == 8 and len(claims) == 1
    assert set(results) - set(claims) == {ClaimRefused.in_use}
    assert links.get(link_id) is not None


def test_the_sign_in_state_is_spent_once(db: Database) -> None:
    links, link_id, _, _ = make_link(db)
    state = digest("state")
    assert links.start_sign_in(link_id, state, digest("nonce"), NOW)
    assert links.by_sign_in_state(state) is not None
    assert links.finish_sign_in(link_id, state, digest("session"), NOW)
    assert not links.finish_sign_in(link_id, state, digest("another-session"), NOW)
    link = links.get(link_id)
    assert link is not None and link.session_hash == digest("session") and link.sign_in_state_hash is None
