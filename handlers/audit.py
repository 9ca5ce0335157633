"""`/codat-register audit [platform] [since YYYY-MM-DD]`: the summary in the ack, the CSV file after it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.audit import trail
from bot.audit.access import may_see_audit
from bot.audit.query import parse_query
from bot.audit.views import admins_only, problem, summary_message
from bot.deps import Deps
from handlers.commands import CommandContext, Subcommand


def audit_command(ctx: CommandContext) -> dict[str, Any]:
    deps = ctx.deps
    if not may_see_audit(deps, ctx.team_id, ctx.user_id):
        return admins_only()
    zone = trail.reader_zone(deps, ctx.team_id, ctx.user_id)
    query = parse_query(deps.catalogue, ctx.args, deps.clock.now().astimezone(zone).date())
    if isinstance(query, str):
        return problem(query)
    summary = trail.summarize(deps, ctx.team_id, query, zone)
    deps.background.submit(trail.send_export, deps, ctx.team_id, ctx.user_id, query, zone, ctx.channel_id)
    return summary_message(summary, zone, deps.catalogue)


def subcommands(deps: Deps) -> dict[str, Subcommand]:
    return {"audit": audit_command}


def register(app: App, deps: Deps) -> None:
    """No listeners of its own: its subcommand goes through handlers.commands."""
