"""A local Slack for tests and the sandbox: the Web API stand-in, signed requests to the bot,
and the payloads Slack would send."""

from simulators.slack.events_client import EventsResponse, SlackEventsClient
from simulators.slack.payloads import (
    PayloadError,
    block_actions_payload,
    event_callback_body,
    slash_command_body,
    state_values_for,
    view_closed_payload,
    view_submission_payload,
)
from simulators.slack.signing import sign_request
from simulators.slack.state import SlackError, SlackWorkspace
from simulators.slack.web_api import ApiCall, SlackWebApi

__all__ = [
    "ApiCall",
    "EventsResponse",
    "PayloadError",
    "SlackError",
    "SlackEventsClient",
    "SlackWebApi",
    "SlackWorkspace",
    "block_actions_payload",
    "event_callback_body",
    "sign_request",
    "slash_command_body",
    "state_values_for",
    "view_closed_payload",
    "view_submission_payload",
]
