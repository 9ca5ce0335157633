"""App Home: republished after the ack whenever someone opens the tab."""

from __future__ import annotations

from slack_bolt import App, BoltContext

from bot.approvals.views import home_blocks as approval_home_blocks
from bot.audit import trail
from bot.audit.access import may_see_audit
from bot.audit.views import activity_blocks
from bot.deps import Deps
from bot.governance.policy import Action, decide
from bot.governance.roles import caller_of
from bot.governance.views import guest_home_view
from bot.home.views import home_view
from bot.registrations.progress import workspace_progress
from handlers.commands import Subcommand
from handlers.payloads import AppHomeOpened, event_of
from storage import approvals


def publish_home(deps: Deps, team_id: str, user_id: str) -> None:
    # Guests and apps see the catalogue's commands, not the workspace's registrations.
    if not decide(caller_of(deps, team_id, user_id), Action.view_registrations).allowed:
        deps.slack.publish_home(team_id, user_id, guest_home_view())
        return
    progresses = workspace_progress(deps.db, deps.catalogue, team_id, today=deps.clock.now().date())
    activity = []
    if may_see_audit(deps, team_id, user_id):  # admins see the workspace's recent activity
        zone = trail.reader_zone(deps, team_id, user_id)
        activity = activity_blocks(trail.recent_activity(deps, team_id), zone, deps.catalogue)
    waiting = []
    if decide(caller_of(deps, team_id, user_id), Action.approve).allowed:  # admins: approvals to decide
        zone = trail.reader_zone(deps, team_id, user_id)
        waiting = approval_home_blocks(approvals.undecided(deps.db, team_id), deps.catalogue, user_id, zone)
    view = home_view(progresses, user_id, deps.vault.location_label, activity=activity, approvals=waiting)
    deps.slack.publish_home(team_id, user_id, view)


def subcommands(deps: Deps) -> dict[str, Subcommand]:
    return {}


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def on_home_opened(context: BoltContext) -> None:
        team_id, event = event_of(context, AppHomeOpened)  # a user is there: payloads checked
        if event.tab not in (None, "home"):
            return  # the Messages tab needs nothing from us
        deps.background.submit(publish_home, deps, team_id, event.user)
