"""The registrations repository on the configured backend: team scoping, guarded writes, and the
status recomputed through derive_registration_status() in the transaction of every item change."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.db import Database
from storage.models import ChecklistItem, Registration, SecretRef
from storage.repositories import ItemRow, Registrations, settle_statuses
from storage.statuses import ItemStatus, RegistrationStatus
from storage.team_scope import TeamScope

TEAM, OTHER = "T1", "T2"
NOW = datetime(2026, 6, 10, 10, tzinfo=UTC)


def registration(
    db: Database,
    statuses: tuple[ItemStatus, ...],
    *,
    team_id: str = TEAM,
    status: RegistrationStatus = RegistrationStatus.in_progress,
    environment: str = "sandbox",
) -> tuple[str, list[int]]:
    with db.session() as session:
        row = TeamScope(session, team_id).add_registration(
            Registration(platform="xero", environment=environment, created_by="U1", status=status)
        )
        items = [
            ChecklistItem(
                registration_id=row.id, team_id=team_id, item_key=f"step_{n}", position=n, status=item_status
            )
            for n, item_status in enumerate(statuses)
        ]
        session.add_all(items)
        session.flush()
        return row.id, [item.id for item in items]


def status_of(db: Database, registration_id: str, team_id: str = TEAM) -> str:
    with db.session() as session:
        row = TeamScope(session, team_id).registration(registration_id)
        assert row is not None
        return row.status


def actions(db: Database, team_id: str = TEAM) -> list[str]:
    with db.session() as session:
        return [event.action for event in TeamScope(session, team_id).audit_events()]


def test_marking_the_last_open_item_done_completes_in_the_same_write(db: Database) -> None:
    registration_id, (first, last) = registration(db, (ItemStatus.todo, ItemStatus.todo))
    repository = Registrations(db, TEAM)
    written = repository.mark_done(first, actor="U1", now=NOW, allowed=lambda row: True)
    assert written.applied and written.registration_status is RegistrationStatus.in_progress
    written = repository.mark_done(last, actor="U1", now=NOW, allowed=lambda row: True)
    assert written.applied and written.registration_status is RegistrationStatus.completed
    assert written.row is not None and written.row.status is ItemStatus.todo  # as read, before the change
    assert status_of(db, registration_id) == RegistrationStatus.completed
    assert actions(db) == ["checklist.done", "checklist.done", "registration.completed"]


def test_a_refused_write_changes_nothing(db: Database) -> None:
    registration_id, (item,) = registration(db, (ItemStatus.todo,))
    repository = Registrations(db, TEAM)
    seen: list[ItemRow] = []

    def refuse(row: ItemRow) -> bool:
        seen.append(row)
        return False

    written = repository.mark_done(item, actor="U9", now=NOW, allowed=refuse)
    assert not written.applied and seen == [written.row]
    assert repository.item(item).status is ItemStatus.todo  # type: ignore[union-attr]
    row, cancelled = repository.cancel(registration_id, actor="U9", allowed=lambda row: False)
    assert row is not None and row.id == registration_id and not cancelled
    assert status_of(db, registration_id) == RegistrationStatus.in_progress
    assert actions(db) == []


def test_another_workspace_reads_and_writes_nothing(db: Database) -> None:
    registration_id, (item,) = registration(db, (ItemStatus.todo,))
    theirs = Registrations(db, OTHER)
    assert theirs.item(item) is None and theirs.overview() == [] and theirs.platform_items("xero") == []
    assert theirs.mark_done(item, actor="U1", now=NOW, allowed=lambda row: True).row is None
    assert theirs.snooze({item: NOW}, actor="U1", allowed=lambda row: True)[0].row is None
    assert theirs.cancel(registration_id, actor="U1", allowed=lambda row: True) == (None, False)
    with db.session() as session:
        assert settle_statuses(session, OTHER, [registration_id], actor="U1") == {}
    assert status_of(db, registration_id) == RegistrationStatus.in_progress
    assert Registrations(db, TEAM).item(item).status is ItemStatus.todo  # type: ignore[union-attr]


def test_settling_reopens_a_completed_registration_unless_another_is_in_progress(db: Database) -> None:
    done, (item,) = registration(db, (ItemStatus.todo,), status=RegistrationStatus.completed)
    with db.session() as session:
        assert settle_statuses(session, TEAM, [done], actor="U1") == {done: RegistrationStatus.in_progress}
    assert actions(db) == ["registration.reopened"]
    with db.session() as session:  # back to completed, and a new one in progress meanwhile
        TeamScope(session, TEAM).item(item).status = ItemStatus.done  # type: ignore[union-attr]
        assert settle_statuses(session, TEAM, [done], actor="U1") == {done: RegistrationStatus.completed}
    registration(db, (ItemStatus.todo,))
    with db.session() as session:
        TeamScope(session, TEAM).item(item).status = ItemStatus.todo  # type: ignore[union-attr]
        assert settle_statuses(session, TEAM, [done], actor="U1") == {done: RegistrationStatus.completed}


def test_a_cancelled_registration_stays_cancelled(db: Database) -> None:
    cancelled, _ = registration(db, (ItemStatus.done,), status=RegistrationStatus.cancelled)
    with db.session() as session:
        assert settle_statuses(session, TEAM, [cancelled], actor="U1") == {
            cancelled: RegistrationStatus.cancelled
        }


def test_cancel_stops_the_open_items_reminders_and_deletes_nothing(db: Database) -> None:
    registration_id, (done, todo) = registration(db, (ItemStatus.done, ItemStatus.todo))
    with db.session() as session:
        for item_id in (done, todo):
            item = TeamScope(session, TEAM).item(item_id)
            assert item is not None
            item.next_reminder_at, item.claim_token, item.claimed_until = NOW, "sweep", NOW
    row, cancelled = Registrations(db, TEAM).cancel(registration_id, actor="U1", allowed=lambda row: True)
    assert cancelled and row is not None and row.status is RegistrationStatus.in_progress  # as read
    (overview,) = Registrations(db, TEAM).overview()
    assert overview.status is RegistrationStatus.cancelled and len(overview.items) == 2
    assert [item.next_reminder_at for item in overview.items] == [NOW, None]  # only the open one stops
    assert actions(db) == ["registration.cancelled"]


def test_the_overview_lists_current_credential_fields_once(db: Database) -> None:
    registration_id, _ = registration(db, ())
    with db.session() as session:
        for version, superseded in (("1", NOW), ("2", None)):
            session.add(
                SecretRef(
                    registration_id=registration_id,
                    team_id=TEAM,
                    field="credentials",
                    backend="google",
                    resource_name="projects/p/secrets/s",
                    version=version,
                    fingerprint=f"hmac:{version}",
                    created_by="U1",
                    superseded_at=superseded,
                )
            )
    (overview,) = Registrations(db, TEAM).overview("xero")
    assert overview.stored_fields == ("credentials",)
    assert Registrations(db, TEAM).overview("quickbooks-online") == []
