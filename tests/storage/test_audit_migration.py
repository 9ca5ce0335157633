"""Migration 0006 chains the audit rows written before it, on the configured backend."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from storage import audit
from storage.audit_verify import verify
from storage.db import Database, alembic_config
from storage.models import AuditEvent, AuditHead
from tests.support.database import fresh_database_url

# (team, time, actor, action, subject, details) as the bot wrote them before 0006.
LEGACY = [
    (
        "T1",
        "2026-01-02 10:00:00.250000",
        "U1",
        "registration.created",
        "reg1",
        {"platform": "xero", "environment": "sandbox"},
    ),
    ("T1", "2026-01-02 10:05:00", "U1", "checklist.done", "vault_approved", {"registration_id": "reg1"}),
    ("T2", "2026-01-02 10:06:00", "U2", "wizard.resumed", "reg2", {"step": "credentials"}),
    (
        "T1",
        "2026-01-02 10:01:00",
        "U1",
        "reminder.snoozed",
        "contact_owner",
        {"until": "2026-01-09T09:00:00+00:00"},
    ),
    ("T1", "2026-01-03 08:00:00", "codat-register", "reminder.reassigned", "ITEM", {"to": "U1"}),
]


def test_rows_written_before_are_chained_in_the_order_they_were_written(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        database = Database(url)
        try:
            command.upgrade(alembic_config(database.engine), "0005")
            with database.engine.begin() as connection:
                for registration_id, team_id, platform in (("reg1", "T1", "xero"), ("reg2", "T2", "sage")):
                    connection.execute(
                        text(
                            "INSERT INTO registrations (id, team_id, platform, environment, status, step, "
                            "created_by, answers, created_at, updated_at) VALUES (:id, :team, :platform, "
                            "'production', 'in_progress', 'credentials', 'U1', '{}', CURRENT_TIMESTAMP, "
                            "CURRENT_TIMESTAMP)"
                        ),
                        {"id": registration_id, "team": team_id, "platform": platform},
                    )
                item_id = connection.execute(
                    text(
                        "INSERT INTO checklist_items (registration_id, team_id, item_key, position, status, "
                        "reminder_count, updated_at) VALUES ('reg1', 'T1', 'contact_owner', 0, 'todo', 0, "
                        "CURRENT_TIMESTAMP) RETURNING id"
                    )
                ).scalar_one()
                for team_id, moment, actor, action, subject, details in LEGACY:
                    connection.execute(
                        text(
                            "INSERT INTO audit_events (team_id, actor, action, subject, details, created_at) "
                            "VALUES (:team, :actor, :action, :subject, :details, :time)"
                        ),
                        {
                            "team": team_id,
                            "actor": actor,
                            "action": action,
                            "subject": str(item_id) if subject == "ITEM" else subject,
                            "details": json.dumps(details),
                            "time": moment,
                        },
                    )

            database.upgrade()

            with database.session() as session:
                chained = session.execute(
                    select(
                        AuditEvent.team_id,
                        AuditEvent.sequence,
                        AuditEvent.action,
                        AuditEvent.registration_id,
                        AuditEvent.platform,
                        AuditEvent.environment,
                        AuditEvent.surface,
                    ).order_by(AuditEvent.team_id, AuditEvent.sequence)
                ).all()
                heads = {head.team_id: head.sequence for head in session.scalars(select(AuditHead))}
            assert [tuple(row) for row in chained] == [
                ("T1", 1, "registration.created", "reg1", "xero", "sandbox", None),  # details win
                ("T1", 2, "reminder.snoozed", None, None, None, None),  # nothing names its registration
                ("T1", 3, "checklist.done", "reg1", "xero", "production", None),
                ("T1", 4, "reminder.reassigned", "reg1", "xero", "production", "job"),
                ("T2", 1, "wizard.resumed", "reg2", "sage", "production", None),
            ]
            assert heads == {"T1": 4, "T2": 1}
            report = verify(database)
            assert report.intact and (report.chains, report.rows) == (2, 5)
            # The bot's writer carries on from the back-filled heads.
            audit.record(database, "T1", audit.Record("U1", "registration.cancelled", "reg1"))
            assert verify(database).intact
        finally:
            database.dispose()
