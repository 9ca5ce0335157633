"""WizardRows, the wizard's storage: a step's save is guarded by each row's updated_at and by team_id."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import AuditEvent
from storage.statuses import ItemStatus, RegistrationStatus
from storage.wizard_rows import AuditEntry, NewRegistration, StepWrite, WizardRead, WizardRows

TEAM = "T0001"
NEW = NewRegistration(
    platform="xero",
    environment="sandbox",
    step="prerequisites",
    item_keys=("existing_agreements", "contact_owner"),
    created_by="U0ALICE",
    first_reminder_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
)


def _write(read: WizardRead) -> StepWrite:
    done = replace(read.items[0], status=ItemStatus.done, completed_by="U0ALICE")
    return StepWrite(
        items=(done,),
        step="registration",
        status=RegistrationStatus.in_progress,
        answers={"prerequisites": {"agreements": "yes"}},
        events=(AuditEntry("wizard.step_saved", {"step": "prerequisites"}),),
    )


def test_a_save_writes_the_plan_and_returns_the_rows_as_stored(db: Database) -> None:
    rows = WizardRows(db)
    registration_id = rows.resume_or_create(TEAM, NEW)
    read = rows.read(TEAM, registration_id)
    assert read is not None and [i.status for i in read.items] == [ItemStatus.todo, ItemStatus.todo]

    saved = rows.save_step(TEAM, registration_id, "U0ALICE", lambda rows, _: _write(rows), read=read)

    assert saved is not None and saved == rows.read(TEAM, registration_id)
    assert saved.registration.step == "registration" and saved.items[0].status is ItemStatus.done
    assert saved.registration.updated_at != read.registration.updated_at
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "wizard.step_saved")).one()
        assert event.details == {"step": "prerequisites"}
        where = (event.registration_id, event.platform, event.environment, event.surface)
        assert where == (registration_id, "xero", "sandbox", "modal")


def test_another_workspace_writes_nothing_even_with_the_rows_in_hand(db: Database) -> None:
    rows = WizardRows(db)
    registration_id = rows.resume_or_create(TEAM, NEW)
    read = rows.read(TEAM, registration_id)
    assert read is not None
    planned: list[WizardRead] = []

    def plan(rows: WizardRead, _: object) -> StepWrite:
        planned.append(rows)
        return _write(rows)

    # Rows read in one workspace, saved as another: team_id in every UPDATE's WHERE refuses them,
    # and the locked re-read in the other workspace finds no such registration.
    assert rows.save_step("T0OTHER", registration_id, "U0MALLORY", plan, read=read) is None
    assert planned == [read]
    assert rows.read(TEAM, registration_id) == read
    assert rows.read("T0OTHER", registration_id) is None


def test_a_save_over_rows_changed_meanwhile_is_planned_again_from_fresh_rows(db: Database) -> None:
    rows = WizardRows(db)
    registration_id = rows.resume_or_create(TEAM, NEW)
    stale = rows.read(TEAM, registration_id)
    assert stale is not None
    rows.note(
        TEAM, registration_id, "U0BOB", "elsewhere", answers={"registration": {"mailbox_warned": "x@y.z"}}
    )
    planned: list[WizardRead] = []

    def plan(rows: WizardRead, _: object) -> StepWrite:
        planned.append(rows)
        write = _write(rows)
        return replace(write, answers={**rows.registration.answers, **write.answers})

    saved = rows.save_step(TEAM, registration_id, "U0ALICE", plan, read=stale)

    assert [p.registration.answers for p in planned] == [{}, {"registration": {"mailbox_warned": "x@y.z"}}]
    assert saved is not None and saved.registration.answers["registration"] == {"mailbox_warned": "x@y.z"}
