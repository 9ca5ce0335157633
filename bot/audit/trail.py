"""The summary an admin reads in Slack, the whole trail sent to their DM, the App Home's recent
activity. Reads go through storage.audit_trail; the export itself is audited (`audit.exported`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.audit import views
from bot.audit.csv_export import csv_bytes
from bot.audit.query import AuditQuery
from bot.slack.gateway import SlackCallError
from storage.audit import Record, Surface, record
from storage.audit_trail import AuditRow, AuditTrail
from storage.audit_verify import verify

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger("codat_register.audit")

SUMMARY_EVENTS = 5  # the latest events a summary shows
HOME_EVENTS = 10  # the App Home's recent activity
EXPORTED = "audit.exported"


@dataclass(frozen=True)
class Summary:
    """What the summary shows: counts by action for the period, and its latest events."""

    query: AuditQuery
    counts: Mapping[str, int]
    latest: tuple[AuditRow, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def reader_zone(deps: Deps, team_id: str, user_id: str) -> ZoneInfo:
    """The reader's time zone, as known now (UTC when it is not)."""
    person = deps.slack.cached_person(team_id, user_id)
    return person.zone if person is not None else ZoneInfo("UTC")


def summarize(deps: Deps, team_id: str, query: AuditQuery, zone: ZoneInfo) -> Summary:
    """Counts by action and the latest events of the period (two indexed reads)."""
    trail = AuditTrail(deps.db, team_id)
    platform, since = query.platform.id if query.platform else None, query.since_moment(zone)
    counts = trail.counts(platform=platform, since=since)
    return Summary(query, counts, tuple(trail.latest(SUMMARY_EVENTS, platform=platform, since=since)))


def send_export(
    deps: Deps, team_id: str, user_id: str, query: AuditQuery, zone: ZoneInfo, channel_id: str | None
) -> None:
    """After the ack: the period's whole trail as a CSV file in the person's DM, with the state of
    the workspace's hash chain; then the export's own audit event. A failed upload is told in the
    conversation the command came from."""
    platform = query.platform.id if query.platform else None
    rows = AuditTrail(deps.db, team_id).rows(platform=platform, since=query.since_moment(zone))
    report = verify(deps.db, team_id)
    comment = views.export_comment(len(rows), query, report)
    name = f"codat-register-audit-{team_id}-{deps.clock.now().astimezone(zone).date().isoformat()}.csv"
    try:
        channel = deps.slack.dm_channel(team_id, user_id)
        file_id = deps.slack.upload_file(
            team_id,
            channel,
            filename=name,
            content=csv_bytes(rows),
            title=views.file_title(),
            initial_comment=comment,
        )
    except SlackCallError as error:
        if channel_id:
            reply = views.export_failed(error.code)
            try:
                deps.slack.post_ephemeral(team_id, channel_id, user_id, reply["text"], reply["blocks"])
            except SlackCallError:
                logger.warning("could not tell %s that the audit export failed", user_id)
        return
    details = {
        "rows": len(rows),
        "since": query.since.isoformat() if query.since else None,
        "file": file_id,
        "chain_intact": report.intact,
    }
    exported = Record(
        user_id, EXPORTED, platform or "all", platform=platform, surface=Surface.command, details=details
    )
    record(deps.db, team_id, exported)


def recent_activity(deps: Deps, team_id: str) -> list[AuditRow]:
    """The workspace's latest events, newest first (the App Home)."""
    return AuditTrail(deps.db, team_id).latest(HOME_EVENTS)
