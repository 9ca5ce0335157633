"""storage.approvals and the vault's pending mode on the configured backend (SQLite, then PostgreSQL):
a pending store adds a disabled version and records nothing; decisions are conditional
transactions, so racing clicks never both win; reminder claims never overlap; the gauge counts
what waits; a finished approval makes its reference current as a store would."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.cloud.secretmanager_v1.types import SecretVersion

from core.settings import load_settings
from simulators.secret_manager import Emulator
from storage import approvals, counts
from storage.approvals import NewApproval, Outcome
from storage.audit import Surface
from storage.db import Database
from storage.models import Registration, SecretRef, new_id
from storage.statuses import ApprovalStatus
from storage.team_scope import TeamScope
from storage.vault.factory import build_vault
from storage.vault.service import CredentialVault
from tests.storage.conftest import TEAM, MakeVault

NOW = datetime(2026, 6, 10, 10, tzinfo=UTC)
LEASE = timedelta(minutes=2)
State = SecretVersion.State


def production_registration(db: Database) -> str:
    """A Xero production registration (completed: several may exist at once)."""
    with db.session() as session:
        registration = TeamScope(session, TEAM).add_registration(
            Registration(platform="xero", environment="production", created_by="U0BOB", status="completed")
        )
        return registration.id


def store(vault: CredentialVault, registration_id: str, value: str, **overrides: Any) -> Any:
    arguments = {
        "team_id": TEAM,
        "registration_id": registration_id,
        "platform": "xero",
        "environment": "production",
        "field": "credentials",
        "value": value,
        "actor": "U0BOB",
        "pending": True,
        **overrides,
    }
    return vault.store(**arguments)


def submit(db: Database, registration_id: str, stored: Any, *, required: int = 1) -> str:
    """Record a pending approval as the wizard's save does (in a transaction of its own here)."""
    new = NewApproval(
        id=new_id(),
        field=stored.field,
        fingerprint=stored.stored_fingerprint,
        backend=stored.backend,
        resource_name=stored.resource_name,
        version=stored.version,
        required=required,
        submitted_by="U0BOB",
        submitted_at=NOW,
        expires_at=NOW + timedelta(days=7),
    )
    with db.engine.begin() as connection:
        approvals.record_submissions(connection, TEAM, registration_id, [new], replaced_fields=[], now=NOW)
    return new.id


def refs(db: Database, registration_id: str) -> list[SecretRef]:
    with db.session() as session:
        return list(TeamScope(session, TEAM).secret_refs(registration_id))


def states(emulator: Emulator) -> list[str]:
    (secret,) = emulator.secrets()
    return [State(version.state).name for version in emulator.versions(secret)]


def test_a_pending_store_adds_a_disabled_version_records_nothing_and_is_idempotent(
    make_vault: MakeVault, secret_manager: Emulator, db: Database
) -> None:
    vault = make_vault()
    registration_id = production_registration(db)
    stored = store(vault, registration_id, "first-value")
    assert (stored.pending, stored.created, stored.version) == (True, True, "1")
    assert stored.stored_fingerprint.startswith("hmac:") and len(stored.stored_fingerprint) == 37
    assert states(secret_manager) == ["DISABLED"] and refs(db, registration_id) == []
    calls = [method for method, _ in secret_manager.calls]
    assert (
        calls.index("TestIamPermissions")
        < calls.index("AddSecretVersion")
        < calls.index("DisableSecretVersion")
    )
    submit(db, registration_id, stored)
    again = store(vault, registration_id, "first-value")  # a double submit: the one waiting
    assert (again.pending, again.created, again.resource_name) == (True, False, stored.resource_name)
    assert states(secret_manager) == ["DISABLED"]
    # The value already current comes back as it is: nothing to approve.
    current = store(vault, registration_id, "current-value", pending=False)
    same = store(vault, registration_id, "current-value")
    assert (same.pending, same.created, same.version) == (False, False, current.version)
    assert states(secret_manager) == ["DISABLED", "ENABLED"]


def race(db: Database, approval_id: str) -> list[Outcome]:
    """An approve and a reject of the same approval at once, each on its own engine."""
    start = threading.Barrier(2)
    outcomes: list[Outcome] = []

    def approve(clone: Database) -> approvals.Decided:
        return approvals.approve(
            clone, TEAM, approval_id, "U0ALICE", now=NOW, lease=LEASE, token="t", surface=Surface.button
        )

    def reject(clone: Database) -> approvals.Decided:
        return approvals.reject(clone, TEAM, approval_id, "U0CAMILLE", now=NOW, surface=Surface.button)

    def click(decide: Callable[[Database], approvals.Decided]) -> None:
        clone = Database(db.url)
        try:
            start.wait()
            outcomes.append(decide(clone).outcome)
        finally:
            clone.dispose()

    threads = [threading.Thread(target=click, args=(fn,)) for fn in (approve, reject)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_racing_approve_and_reject_never_both_win(make_vault: MakeVault, db: Database) -> None:
    vault = make_vault()
    for round_number in range(5):
        registration_id = production_registration(db)
        approval_id = submit(db, registration_id, store(vault, registration_id, f"value-{round_number}"))
        outcomes = race(db, approval_id)
        assert sorted(outcomes) in (
            sorted([Outcome.applying, Outcome.closed]),
            sorted([Outcome.rejected, Outcome.closed]),
        ), outcomes
        final = approvals.read(db, TEAM, approval_id)
        assert final is not None
        won = ApprovalStatus.approving if Outcome.applying in outcomes else ApprovalStatus.rejected
        assert final.status is won


def test_finishing_makes_the_reference_current_and_only_its_lease_holder_may(
    make_vault: MakeVault, secret_manager: Emulator, db: Database
) -> None:
    vault = make_vault()
    registration_id = production_registration(db)
    old = store(vault, registration_id, "old-value", pending=False)
    approval_id = submit(db, registration_id, store(vault, registration_id, "new-value"))
    assert (
        approvals.approve(
            db, TEAM, approval_id, "U0BOB", now=NOW, lease=LEASE, token="t", surface=None
        ).outcome
        is Outcome.own
    )
    decided = approvals.approve(
        db, TEAM, approval_id, "U0ALICE", now=NOW, lease=LEASE, token="t", surface=None
    )
    assert decided.outcome is Outcome.applying and counts.pending_approvals(db) == 1
    assert approvals.finish(db, TEAM, approval_id, "someone-else", now=NOW, surface=None) is None
    # Its process died: once the lease runs out a sweep takes it over.
    assert (
        approvals.stale_applying(db, now=NOW + LEASE - timedelta(seconds=1), lease=LEASE, token="s", limit=9)
        == []
    )
    (taken,) = approvals.stale_applying(db, now=NOW + LEASE, lease=LEASE, token="s", limit=9)
    assert taken.id == approval_id
    assert approvals.finish(db, TEAM, approval_id, "t", now=NOW, surface=None) is None  # lease lost
    finished = approvals.finish(db, TEAM, approval_id, "s", now=NOW + LEASE, surface=Surface.job)
    assert finished is not None and finished.approval.status is ApprovalStatus.approved
    assert finished.superseded == ((old.resource_name, "google"),)
    current = [ref for ref in refs(db, registration_id) if ref.superseded_at is None]
    assert [(ref.version, ref.created_by) for ref in current] == [("2", "U0BOB")]
    assert counts.pending_approvals(db) == 0


def test_reminder_claims_never_overlap(make_vault: MakeVault, db: Database) -> None:
    vault = make_vault()
    registration_id = production_registration(db)
    approval = approvals.read(db, TEAM, submit(db, registration_id, store(vault, registration_id, "v")))
    assert approval is not None
    users = [f"U0ADMIN{n}" for n in range(30)]
    rows = approvals.add_recipients(db, approval, users, now=NOW, lease=LEASE, token="born")
    approvals.release(db, "born", rows.values(), next_reminder_at=NOW)
    start = threading.Barrier(3)
    claimed: list[list[int]] = []

    def claim(token: str) -> None:
        clone = Database(db.url)
        try:
            start.wait()
            for _ in range(10):
                claimed.append(
                    [
                        c.id
                        for c in approvals.claim_due_recipients(
                            clone, now=NOW, lease=LEASE, token=token, limit=4
                        )
                    ]
                )
        finally:
            clone.dispose()

    threads = [threading.Thread(target=claim, args=(f"sweep-{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [row for batch in claimed for row in batch]
    assert sorted(every) == sorted(rows.values())  # each due reminder claimed once, none lost


def test_the_development_vault_keeps_a_pending_version_disabled_until_enabled(
    tmp_path: Path, db: Database
) -> None:
    vault = build_vault(load_settings(DATA_DIR=tmp_path / "data"), db)
    assert isinstance(vault, CredentialVault)
    registration_id = production_registration(db)
    stored = store(vault, registration_id, "dev-value")
    directory = (
        tmp_path / "data" / "dev-vault" / "secrets" / "codat-register_t0001_xero_production_credentials"
    )
    assert (directory / "1.disabled").exists()
    vault.enable(stored.resource_name)
    assert not (directory / "1.disabled").exists()
