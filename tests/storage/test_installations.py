"""slack_sdk's stores on the bot's own engine (SQLite and PostgreSQL, tables from the migrations),
the installation serving a workspace, the locked refresh's writes, and what uninstalling and
reinstalling do to a workspace's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import insert, inspect, select

from storage import audit_verify, workspaces
from storage.audit import Record, Surface
from storage.db import Database
from storage.installations import (
    InstallationStore,
    InstallKey,
    find,
    key_for_team,
    locked,
    oauth_state_store,
    save_refreshed,
)
from storage.models import SLACK_BOTS, CodatCheck, CredentialExpiry, SecretRef
from tests.reminders.conftest import Seed

CLIENT_ID = "1234567890.0987654321"
NOW = datetime(2026, 6, 10, 14, tzinfo=UTC)


def store(db: Database) -> InstallationStore:
    return InstallationStore(CLIENT_ID, db.engine, now=lambda: NOW)


def installation(team_id: str | None, *, enterprise_id: str | None = None, **fields: Any) -> Installation:
    values: dict[str, Any] = {
        "app_id": "A0CODAT",
        "enterprise_id": enterprise_id,
        "team_id": team_id,
        "team_name": team_id,
        "bot_token": f"xoxb-{team_id or enterprise_id}",
        "bot_id": "B0BOT",
        "bot_user_id": "U0BOT",
        "bot_scopes": "commands,chat:write",
        "user_id": "U0ADMIN",
        "is_enterprise_install": team_id is None,
    }
    return Installation(**(values | fields))


def test_the_migrations_create_slack_sdks_tables(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables
    columns = {column["name"] for column in inspect(db.engine).get_columns("workspaces")}
    assert {"enterprise_id", "uninstalled_at"} <= columns
    with pytest.raises(NotImplementedError):
        store(db).create_tables()


def test_installations_are_saved_found_and_deleted(db: Database) -> None:
    installations = store(db)
    installations.save(installation("T0002"))
    installations.save(installation(None, enterprise_id="E0001"))

    team = find(installations, InstallKey(None, "T0002"))
    org = find(installations, InstallKey("E0001", None))
    assert (
        team is not None and team.bot_token == "xoxb-T0002" and team.bot_scopes == ["commands", "chat:write"]
    )
    assert org is not None and org.is_enterprise_install and org.bot_token == "xoxb-E0001"
    assert installations.find_bot(enterprise_id=None, team_id="T0002") is not None

    installations.delete_all(enterprise_id=None, team_id="T0002")
    assert find(installations, InstallKey(None, "T0002")) is None
    assert find(installations, InstallKey("E0001", None)) is not None


def test_a_state_is_consumed_once(db: Database) -> None:
    states = oauth_state_store(db.engine, expiration_seconds=600)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False
    assert states.consume("never-issued") is False
    expired = oauth_state_store(db.engine, expiration_seconds=-1).issue()
    assert states.consume(expired) is False


def test_a_workspace_is_served_by_its_own_installation_or_its_organisations(db: Database) -> None:
    installations = store(db)
    installations.save(installation("T0002"))
    installations.save(installation(None, enterprise_id="E0001"))
    installations.save(
        installation("T0103", enterprise_id="E0001")
    )  # a workspace-level install in a Grid org

    assert key_for_team(db, CLIENT_ID, "T0002") == InstallKey(None, "T0002")
    assert key_for_team(db, CLIENT_ID, "T0101") is None  # not known to belong to the organisation yet
    workspaces.remember_enterprise(db, "T0101", "E0001")
    workspaces.remember_enterprise(db, "T0103", "E0001")
    assert key_for_team(db, CLIENT_ID, "T0101") == InstallKey("E0001", None)
    assert key_for_team(db, CLIENT_ID, "T0103") == InstallKey("E0001", "T0103")  # its own comes first
    assert key_for_team(db, "another-app", "T0002") is None
    assert workspaces.teams_of(db, "E0001") == ["T0101", "T0103"]


def test_a_refresh_is_written_under_the_lock_on_both_tables(db: Database) -> None:
    installations = store(db)
    installations.save(installation("T0002", bot_refresh_token="xoxe-1-old", bot_token_expires_at=1_000))
    with db.write_session() as session:
        current = locked(session, CLIENT_ID, InstallKey(None, "T0002"))
        assert current is not None and current.installation.bot_refresh_token == "xoxe-1-old"
        bot = current.installation.to_bot()
        bot.bot_token, bot.bot_refresh_token, bot.bot_token_expires_at = "xoxe.xoxb-new", "xoxe-1-new", 90_000
        save_refreshed(session, CLIENT_ID, current, bot)
    found = find(installations, InstallKey(None, "T0002"))
    assert found is not None
    assert (found.bot_token, found.bot_refresh_token, found.bot_token_expires_at) == (
        "xoxe.xoxb-new",
        "xoxe-1-new",
        90_000,
    )
    with db.engine.connect() as connection:
        (bot_row,) = connection.execute(select(SLACK_BOTS)).mappings()
    assert bot_row["bot_token"] == "xoxe.xoxb-new" and bot_row["bot_refresh_token"] == "xoxe-1-new"
    with db.write_session() as session:
        assert locked(session, CLIENT_ID, InstallKey(None, "T0404")) is None


def test_a_new_installations_expiry_is_kept_on_the_bots_clock(db: Database) -> None:
    ahead = NOW + timedelta(days=3)  # the sandbox moved the bot's clock three days on
    installations = InstallationStore(CLIENT_ID, db.engine, now=lambda: ahead)
    fresh = installation("T0002", bot_refresh_token="xoxe-1-a", bot_token_expires_in=43_200)
    installations.save(fresh)
    found = find(installations, InstallKey(None, "T0002"))
    assert found is not None and found.bot_token_expires_at is not None
    assert abs(found.bot_token_expires_at - (ahead.timestamp() + 43_200)) <= 2


UNINSTALLED = Record("codat-register", "app.uninstalled", "installation", surface=Surface.job)


def test_uninstalling_stops_the_workspaces_reminders_only(db: Database) -> None:
    globex, acme = Seed(db, team_id="T0002"), Seed(db, team_id="T0001")
    stopped = globex.item(
        globex.registration(created_by="U0GRACE"), "vault_approved", owner="U0GRACE", next_at=NOW
    )
    kept = acme.item(acme.registration(created_by="U0ALICE"), "vault_approved", owner="U0ALICE", next_at=NOW)

    done = workspaces.uninstall(db, ["T0002"], NOW, purge=False, audit=UNINSTALLED)

    assert done == {"T0002": {"stopped": 1}}
    assert globex.get(stopped).next_reminder_at is None
    assert acme.get(kept).next_reminder_at is not None
    assert workspaces.is_uninstalled(db, "T0002") and not workspaces.is_uninstalled(db, "T0001")
    assert globex.audit_actions() == ["app.uninstalled"]
    assert workspaces.count_rows(db, "T0002")["checklist_items"] == 1

    later = NOW + timedelta(days=1)
    assert workspaces.reinstall(db, ["T0002"], later) == 1
    assert globex.get(stopped).next_reminder_at == later
    assert not workspaces.is_uninstalled(db, "T0002")


def test_purging_deletes_the_workspaces_rows_and_starts_a_new_chain(db: Database) -> None:
    globex, acme = Seed(db, team_id="T0002"), Seed(db, team_id="T0001")
    for seed, owner in ((globex, "U0GRACE"), (acme, "U0ALICE")):
        registration = seed.registration(created_by=owner)
        seed.item(registration, "vault_approved", owner=owner, next_at=NOW)
        with db.session() as session:
            ref = SecretRef(registration_id=registration, team_id=seed.team_id, field="credentials")
            ref.backend, ref.resource_name = "google", f"projects/p/secrets/{seed.team_id}/versions/1"
            ref.version, ref.fingerprint, ref.created_by = "1", "hmac:abc", owner
            session.add(ref)
        workspaces.reinstall(db, [seed.team_id], NOW, audit=Record(owner, "app.installed", "installation"))
    acme_before = workspaces.count_rows(db, "T0001")

    done = workspaces.uninstall(db, ["T0002"], NOW, purge=True, audit=UNINSTALLED)

    deleted = done["T0002"]["deleted"]
    assert isinstance(deleted, dict)
    assert {"registrations", "checklist_items", "secret_refs", "audit_events", "audit_heads"} <= set(deleted)
    assert workspaces.count_rows(db, "T0002") == {"audit_events": 1, "audit_heads": 1}
    assert globex.audit_actions() == ["app.uninstalled"]  # the first row of a new chain
    assert workspaces.count_rows(db, "T0001") == acme_before
    report = audit_verify.verify(db)
    assert report.intact, report.breaks


def test_uninstalling_stops_expiry_reminders_and_codat_checks_and_reinstalling_resumes_the_live_ones(
    db: Database,
) -> None:
    globex = Seed(db, team_id="T0002")
    live, escalated = (
        globex.registration(created_by="U0GRACE", platform=p) for p in ("xero", "sage-intacct")
    )
    with db.engine.begin() as connection:
        for registration_id, notified in ((live, None), (escalated, NOW)):
            connection.execute(
                insert(CredentialExpiry).values(
                    registration_id=registration_id, team_id="T0002", expires_on=date(2026, 7, 1),
                    owner_user_id="U0GRACE", set_by="U0GRACE", set_at=NOW, updated_at=NOW,
                    next_reminder_at=None if notified else NOW, expired_notified_at=notified,
                )
            )  # fmt: skip
        for registration_id, outcome in ((live, "not_enabled"), (escalated, "enabled")):
            connection.execute(
                insert(CodatCheck).values(
                    registration_id=registration_id, team_id="T0002", outcome=outcome, updated_at=NOW,
                    next_check_at=None if outcome == "enabled" else NOW,
                )
            )  # fmt: skip

    def scheduled() -> dict[str, tuple[datetime | None, datetime | None]]:
        with db.engine.connect() as connection:
            expiries = dict(
                connection.execute(
                    select(CredentialExpiry.registration_id, CredentialExpiry.next_reminder_at)
                ).all()
            )
            checks = dict(
                connection.execute(select(CodatCheck.registration_id, CodatCheck.next_check_at)).all()
            )
        return {key: (expiries[key], checks[key]) for key in (live, escalated)}

    done = workspaces.uninstall(db, ["T0002"], NOW, purge=False, audit=UNINSTALLED)

    assert done == {"T0002": {"stopped": 2}}  # the live expiry reminder and the live Codat check
    assert scheduled() == {live: (None, None), escalated: (None, None)}
    later = NOW + timedelta(days=1)
    assert workspaces.reinstall(db, ["T0002"], later) == 2
    assert scheduled() == {live: (later, later), escalated: (None, None)}  # nothing left to do for the other
