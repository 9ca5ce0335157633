"""App Home: republished after the ack whenever someone opens the tab."""

from __future__ import annotations

from slack_bolt import App, BoltContext

from bot.deps import Deps
from bot.home.views import home_view
from bot.registrations.progress import workspace_progress
from handlers.commands import Subcommand
from handlers.payloads import AppHomeOpened, event_of


def publish_home(deps: Deps, team_id: str, user_id: str) -> None:
    progresses = workspace_progress(deps.db, deps.catalogue, team_id)
    view = home_view(progresses, user_id, deps.vault.location_label)
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
