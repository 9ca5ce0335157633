"""The person's language: set for every request before any listener runs, and `language fr|en|auto`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext

from bot.catalogue.lookup import did_you_mean
from bot.deps import Deps
from bot.language import texts as t
from bot.language.choice import CHOICES, Source, language_of
from bot.slack.blocks import message, section
from bot.slack.mrkdwn import echo
from core.i18n import set_language, use_language
from handlers.commands import CommandContext, Subcommand
from handlers.middleware import ContextMiddleware
from handlers.payloads import actor_of


def person_language(deps: Deps, team_id: str, user_id: str) -> tuple[str, Source]:
    """The person's language from what is known now; a missing or stale users.info is fetched
    after the ack, for the next request (a first-ever command may answer in the default)."""
    if not team_id or not user_id:
        return deps.settings.DEFAULT_LANGUAGE, Source.default
    person = deps.slack.known_person(team_id, user_id, refresh=deps.background.submit)
    return language_of(person, deps.settings.DEFAULT_LANGUAGE)


def register(app: App, deps: Deps) -> None:
    def in_the_persons_language(context: BoltContext, body: dict[str, Any], next: Callable[[], Any]) -> Any:
        # Bolt runs middleware and then the listener in this thread; work after the ack copies
        # this context (core.background), so it writes in the same language.
        team_id, user_id = actor_of(context)
        set_language(person_language(deps, team_id, user_id)[0])
        return next()

    app.use(ContextMiddleware(in_the_persons_language))


def choose_language(ctx: CommandContext) -> dict[str, Any]:
    if not ctx.args:
        language, source = person_language(ctx.deps, ctx.team_id, ctx.user_id)
        why = {Source.chosen: t.WHY_CHOSEN, Source.slack: t.WHY_SLACK, Source.default: t.WHY_DEFAULT}[source]
        return _reply(t.CURRENT.format(language=t.NAMES[language], why=why))
    word = ctx.args[0].lower()
    if word not in CHOICES:
        hint = did_you_mean(word, ["fr", "en", "auto"])
        return _reply(f"{t.UNKNOWN_WORD.format(word=echo(ctx.args[0]))} {hint}".strip())
    choice = CHOICES[word]
    ctx.deps.slack.set_language(ctx.team_id, ctx.user_id, choice)
    language, _ = person_language(ctx.deps, ctx.team_id, ctx.user_id)
    with use_language(language):
        if choice == "fr":
            return _reply(t.SET_FRENCH)
        if choice == "en":
            return _reply(t.SET_ENGLISH)
        return _reply(t.SET_AUTO.format(language=t.NAMES[language]))


def _reply(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


def subcommands(deps: Deps) -> dict[str, Subcommand]:
    return {"language": choose_language, "langue": choose_language}
