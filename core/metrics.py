"""The bot's Prometheus metrics: every definition here, recorded where the work happens.

Labels are small fixed sets (a request's kind, an outcome, a vault error code) — never a user id,
a team id or a value. GET /metrics (handlers.http) answers `exposition()`.

Several gunicorn workers share their numbers through files: `app.py serve` points
PROMETHEUS_MULTIPROC_DIR at a fresh directory before anything imports prometheus_client (which
reads it at import), each worker writes its own files there, and `exposition()` sums them
(prometheus_client's multiprocess mode). With one process the values live in memory.
The gauges are read from the database at scrape time by the worker that answers the scrape
(`DatabaseGauges`), so they are the same whichever worker answers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what generate_latest writes
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_KINDS = ("slash_command", "block_actions", "view_submission", "event", "other")
REQUEST_OUTCOMES = ("ok", "refused", "error")
# Slack's deadline is 3 s: the buckets are finest where an ack should be, and mark 3 s.
_ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0)
_VAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0)
_CLAIM_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)

slack_requests = Counter(
    "codat_register_slack_requests",
    "Requests to /slack/events by kind and outcome (ok; refused: 4xx, e.g. a bad signature; "
    "error: an unhandled error in a listener, or 5xx).",
    ["kind", "outcome"],
)
ack_seconds = Histogram(
    "codat_register_ack_seconds",
    "Time from a request's arrival at /slack/events to its acknowledgement, by kind.",
    ["kind"],
    buckets=_ACK_BUCKETS,
)
vault_writes = Counter(
    "codat_register_vault_writes",
    "Credential stores by outcome: stored (a new version), unchanged (the same value again, no "
    "call), or the error code (e.g. unavailable, permission_denied).",
    ["outcome"],
)
vault_write_seconds = Histogram(
    "codat_register_vault_write_seconds",
    "Time of a credential store (fingerprint, lookup, Secret Manager, reference), by stored, "
    "unchanged or failed.",
    ["outcome"],
    buckets=_VAULT_BUCKETS,
)
reminders = Counter(
    "codat_register_reminders",
    "Reminder items by outcome: sent (in a DM Slack accepted), failed (released to a later sweep), "
    "rate_limited (Slack answered ratelimited after the client's retries; released too).",
    ["outcome"],
)
claim_seconds = Histogram(
    "codat_register_reminder_claim_seconds",
    "Time of one reminder claim (the transaction that leases due items).",
    buckets=_CLAIM_BUCKETS,
)

# Every combination from the start, so a rate is defined before the first event; the request
# series are kept by their labels, for the edge to count each request without a labels() lookup.
ACK_SECONDS = {_kind: ack_seconds.labels(_kind) for _kind in REQUEST_KINDS}
SLACK_REQUESTS = {
    (_kind, _outcome): slack_requests.labels(_kind, _outcome)
    for _kind in REQUEST_KINDS
    for _outcome in REQUEST_OUTCOMES
}
for _outcome in ("stored", "unchanged"):
    vault_writes.labels(_outcome)
for _outcome in ("stored", "unchanged", "failed"):
    vault_write_seconds.labels(_outcome)
for _outcome in ("sent", "failed", "rate_limited"):
    reminders.labels(_outcome)


class DatabaseGauges(Collector):
    """Gauges read from the database when /metrics is scraped (one cheap count each). A gauge
    whose query fails is left out of that scrape (and logged), the rest still answer."""

    def __init__(self, open_registrations: Callable[[], int], pending_approvals: Callable[[], int]) -> None:
        self._gauges = (
            ("codat_register_open_registrations", "Registrations in progress.", open_registrations),
            ("codat_register_pending_approvals", "Approvals waiting for a decision.", pending_approvals),
        )

    def collect(self) -> Iterator[Metric]:
        for name, documentation, read in self._gauges:
            try:
                value = read()
            except Exception as error:  # the database is down: /readyz says so; skip the gauge
                logger.warning("metrics: %s unavailable: %s", name, type(error).__name__)
                continue
            yield GaugeMetricFamily(name, documentation, value=value)


def multiprocess_dir() -> str | None:
    """The directory several workers share their metrics through, when `app.py serve` set one."""
    return os.environ.get(MULTIPROC_DIR) or None


def exposition(*collectors: Collector) -> bytes:
    """The Prometheus text for a scrape: every process's metrics (summed over the workers'
    files in multiprocess mode), plus `collectors` (e.g. DatabaseGauges) read now."""
    registry = CollectorRegistry()
    directory = multiprocess_dir()
    if directory:
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry.register(REGISTRY)  # this process's metrics (and its process_* ones)
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)


def mark_process_dead(pid: int) -> None:
    """A worker exited: drop its live-gauge files (its counters stay in the totals)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)
