"""A local stand-in for the Slack Web API: a real HTTP server the real `slack_sdk.WebClient` talks to.

Point the client at it with `WebClient(token=..., base_url=api.url)`. Every call is recorded
(`calls`, `wait_for`), faults can be injected (`fail_next`), and the workspace behind it
(users, DMs, messages, modals, App Home, uploaded files) is what the sandbox page renders.

Files: files.getUploadURLExternal answers an upload URL served here (`/upload/<file id>`: the
POSTed body is the file, as slack_sdk sends it; recorded as method "upload"), and
files.completeUploadExternal shares the file into its channel as a message carrying it. Tests
read the bytes with `files()` / `file(file_id)`.

Workspaces and tokens: out of the box, one workspace (`workspace`, Acme) and one bot token
(`bot_token`) that speaks for it, as before. `add_workspace(...)` adds others, each with its own
users, DMs, views and bot user, optionally inside an Enterprise Grid organisation
(`add_enterprise`); installing the app through OAuth (`oauth`, simulators.slack.oauth) mints a
token per workspace (or organisation), and each call is answered in the workspace its token speaks
for — for an organisation's token, the one the call names with `team_id`. `team(team_id)` reads a
workspace's state; every call records the workspace it was answered in (`ApiCall.team_id`).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from core.network import loopback_ipv4
from simulators.slack.methods import message_fields, web_api_methods
from simulators.slack.oauth import AUTHORIZE_PATH as INSTALL_PATH
from simulators.slack.oauth import OAuthServer
from simulators.slack.oidc import AUTHORIZE_PATH, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OpenIdProvider
from simulators.slack.oidc import METHODS as OPENID_METHODS
from simulators.slack.state import SimFile, SimUser, SlackError, SlackWorkspace
from simulators.slack.views import ViewStore

DEFAULT_BOT_TOKEN = "xoxb-standin"  # a fake token the stand-in accepts


@dataclass(frozen=True)
class ApiCall:
    """One request that reached the stand-in, with what it answered."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    raw_body: bytes
    time: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    team_id: str = ""  # the workspace the call was answered in ("" when none: a page, a bad token)

    @property
    def bearer(self) -> str | None:
        """The token the call was made with (its Authorization header), if any."""
        auth = next((v for k, v in self.headers.items() if k.lower() == "authorization"), "")
        return auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None


@dataclass(frozen=True)
class SimTeam:
    """One workspace of the stand-in: its state, its views and the Web API methods over them."""

    workspace: SlackWorkspace
    views: ViewStore
    methods: dict[str, Any]


@dataclass
class _Fault:
    error: str
    status: int
    retry_after: int | None
    times: int


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: SlackWebApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that hung up mid-response (e.g. its timeout) is not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self.server.api._handle(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines could carry tokens, and bodies carry credentials."""


class SlackWebApi:
    """The Slack Web API on 127.0.0.1: `start()`/`stop()` or use it as a context manager."""

    def __init__(
        self,
        bot_token: str = DEFAULT_BOT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        workspace: SlackWorkspace | None = None,
        strict_triggers: bool | None = None,
        trigger_ttl: float | None = None,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
    ) -> None:
        self.bot_token = bot_token
        self.host = loopback_ipv4(host)
        self._port = port
        self.workspace = workspace or SlackWorkspace()
        if strict_triggers is not None:
            self.workspace.strict_triggers = strict_triggers
        if trigger_ttl is not None:
            self.workspace.trigger_ttl = trigger_ttl
        self.views = ViewStore(self.workspace)
        # Sign in with Slack (simulators.slack.oidc), for the app with this client id and secret.
        self.openid = OpenIdProvider(self.workspace, client_id=client_id, client_secret=client_secret)
        self.errors: list[BaseException] = []  # unexpected exceptions inside the stand-in
        self._calls: list[ApiCall] = []
        self._calls_changed = threading.Condition()
        self._faults: dict[str, list[_Fault]] = {}
        self._response_urls: dict[str, tuple[str, str, str | None, bool, str]] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._teams: dict[str, SimTeam] = {}
        self._methods = self._add_team(self.workspace, self.views).methods
        self._answered = threading.local()  # the workspace the current request was answered in
        self.enterprises: dict[str, str] = {}  # Enterprise Grid organisations: id -> name
        # Installing the app through OAuth (simulators.slack.oauth): the same app as Sign in with Slack.
        self.oauth = OAuthServer(
            client_id=client_id,
            client_secret=client_secret,
            workspaces=lambda: {team_id: team.workspace for team_id, team in self._teams.items()},
            enterprises=self.enterprises,
            clock=self.workspace.now,
        )

    def _add_team(self, workspace: SlackWorkspace, views: ViewStore | None = None) -> SimTeam:
        views = views or ViewStore(workspace)
        methods = web_api_methods(
            workspace, views, upload_url=lambda file_id: f"http://{self.host}:{self.port}/upload/{file_id}"
        )
        team = self._teams[workspace.team_id] = SimTeam(workspace, views, methods)
        return team

    # -- workspaces and organisations ---------------------------------------------------------------
    def add_workspace(
        self,
        team_id: str,
        team_name: str,
        *,
        users: tuple[SimUser, ...],
        domain: str | None = None,
        enterprise_id: str | None = None,
    ) -> SlackWorkspace:
        """Another workspace (on the same clock), with its own users and its own bot user
        (U0BOT<n>, B0BOT<n>), inside organisation `enterprise_id` when given (add_enterprise)."""
        if team_id in self._teams:
            raise ValueError(f"the stand-in already has a workspace {team_id}")
        number = len(self._teams) + 1
        workspace = SlackWorkspace(
            team_id=team_id,
            team_name=team_name,
            domain=domain or team_name.lower().replace(" ", ""),
            bot_user_id=f"U0BOT{number}",
            bot_id=f"B0BOT{number}",
            users=users,
            usergroups=(),
            strict_triggers=self.workspace.strict_triggers,
            trigger_ttl=self.workspace.trigger_ttl,
            clock=self.workspace.now,
            enterprise_id=enterprise_id,
        )
        self._add_team(workspace)
        return workspace

    def add_enterprise(self, enterprise_id: str, name: str) -> None:
        """An Enterprise Grid organisation, for add_workspace(enterprise_id=…) and org-wide installs."""
        self.enterprises[enterprise_id] = name

    def team(self, team_id: str | None = None) -> SimTeam:
        """A workspace's state and views: `team_id`'s, else (none given, or one the stand-in does
        not know, as single-workspace tests send) the default workspace's."""
        return self._teams.get(team_id or "", self._teams[self.workspace.team_id])

    @property
    def teams(self) -> dict[str, SimTeam]:
        return dict(self._teams)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> SlackWebApi:
        if self._server is None:
            self._server = _Server((self.host, self._port), _Handler)
            self._server.api = self
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SlackWebApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackWebApi is not running: call start() first")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The base URL for WebClient(base_url=...) / SLACK_API_URL, e.g. http://127.0.0.1:PORT/api/."""
        return f"http://{self.host}:{self.port}/api/"

    # -- recorded calls and faults ---------------------------------------------------------------
    @property
    def calls(self) -> list[ApiCall]:
        with self._calls_changed:
            return list(self._calls)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def clear_calls(self) -> None:
        with self._calls_changed:
            self._calls.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[ApiCall]:
        """The calls to `method` once there are at least `count`; TimeoutError after `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._calls_changed:
            while True:
                found = [c for c in self._calls if c.method == method]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    break
                self._calls_changed.wait(min(remaining, 0.1))
        if len(found) < count:
            seen = sorted({c.method for c in self.calls})
            raise TimeoutError(f"{len(found)}/{count} calls to {method} after {timeout}s; seen: {seen}")
        return found

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls to `method` with `error` (429 adds a Retry-After header)."""
        with self._calls_changed:
            self._faults.setdefault(method, []).append(_Fault(error, status, retry_after, times))

    def _take_fault(self, method: str) -> _Fault | None:
        with self._calls_changed:
            queue = self._faults.get(method) or []
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    # -- workspace, for tests and the sandbox page ------------------------------------------------
    @property
    def version(self) -> int:
        """Increments on every change to the workspace (messages, views, users)."""
        return self.workspace.version

    def messages(self, channel: str, team_id: str | None = None) -> list[dict[str, Any]]:
        return self.team(team_id).workspace.messages(channel)

    def ephemerals(self, user_id: str, team_id: str | None = None) -> list[dict[str, Any]]:
        return self.team(team_id).workspace.ephemerals(user_id)

    def views_for(self, user_id: str, team_id: str | None = None) -> dict[str, Any]:
        return self.team(team_id).views.for_user(user_id)

    def home(self, user_id: str, team_id: str | None = None) -> dict[str, Any] | None:
        return self.team(team_id).views.home(user_id)

    def dm_channel_for(self, user_id: str, team_id: str | None = None) -> str:
        return self.team(team_id).workspace.dm_channel_for(user_id)

    def files(self) -> list[SimFile]:
        """Every file uploaded here, with its bytes (`content`) and the channels it was shared in."""
        return self.workspace.files()

    def file(self, file_id: str) -> SimFile:
        return self.workspace.file(file_id)

    def issue_trigger_id(self, user_id: str, team_id: str | None = None) -> str:
        return self.team(team_id).workspace.issue_trigger_id(user_id)

    def add_user(self, user_id: str, name: str, **fields: Any) -> dict[str, Any]:
        return self.workspace.add_user(user_id, name, **fields)

    def set_user(self, user_id: str, **changes: Any) -> dict[str, Any]:
        return self.workspace.set_user(user_id, **changes)

    def response_url(
        self,
        user_id: str,
        channel_id: str,
        message_ts: str | None = None,
        *,
        ephemeral: bool = False,
        team_id: str | None = None,
    ) -> str:
        """A response_url served here: replies land in the channel or as the user's ephemerals."""
        token = secrets.token_urlsafe(12)
        team = self.team(team_id).workspace.team_id
        with self._calls_changed:
            self._response_urls[token] = (user_id, channel_id, message_ts, ephemeral, team)
        return f"http://{self.host}:{self.port}/response/{token}"

    # -- HTTP ------------------------------------------------------------------------------------
    def _handle(self, request: _Handler) -> None:
        received = time.time()
        url = urlsplit(request.path)
        raw = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        headers = dict(request.headers.items())
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        method, status = "", 200
        extra_headers: dict[str, str] = {}
        try:
            if url.path == INSTALL_PATH:  # the OAuth install's consent page and its form
                params |= _parse_body(raw, headers.get("Content-Type", ""))
                answer = self.oauth.page(request.command, params)
                self._answer_page(request, received, params, headers, *answer, method="oauth.v2.authorize")
                return
            if url.path == AUTHORIZE_PATH:  # a browser page, not the Web API
                self._answer_page(request, received, params, headers, *self.openid.authorize(params))
                return
            if url.path.startswith("/upload/"):  # the body is the file's bytes, not a form
                method = "upload"
                status, body = self._upload(url.path.removeprefix("/upload/"), raw)
            elif url.path.startswith("/response/"):
                params |= _parse_body(raw, headers.get("Content-Type", ""))
                method = "response_url"
                status, body = self._respond_via_url(url.path.removeprefix("/response/"), params)
            elif url.path.startswith("/api/"):
                params |= _parse_body(raw, headers.get("Content-Type", ""))
                method = url.path.removeprefix("/api/")
                status, body, extra_headers = self._api(method, params, headers)
            else:
                status, body = 404, {"ok": False, "error": "not_found"}
        except Exception as exc:  # keep the server up; tests read .errors
            self.errors.append(exc)
            status, body = 500, {"ok": False, "error": "internal_error"}
        team_id = getattr(self._answered, "team_id", "")
        self._answered.team_id = ""
        with self._calls_changed:
            self._calls.append(ApiCall(method, params, headers, raw, received, status, body, team_id))
            self._calls_changed.notify_all()
        payload = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(payload)))
        for name, value in extra_headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(payload)

    def _api(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict, dict]:
        fault = self._take_fault(method)
        if fault is not None:
            retry = (
                {"Retry-After": str(fault.retry_after)}
                if fault.status == 429 and fault.retry_after is not None
                else {}
            )
            return fault.status, {"ok": False, "error": fault.error}, retry
        if method in OPENID_METHODS:  # the app's client credentials or a user's token, not the bot's
            try:
                return 200, {"ok": True, **self.openid.call(method, params, headers)}, {}
            except SlackError as exc:
                return 200, {"ok": False, "error": exc.error}, {}
        if method == "oauth.v2.access":  # the app's client id and secret, not a token
            try:
                answer = self.oauth.access(params, headers)
            except SlackError as exc:
                return 200, {"ok": False, "error": exc.error}, {}
            for team in self._teams.values():  # a page polling any workspace sees the new install
                team.workspace.mark_changed()
            return 200, {"ok": True, **answer}, {}
        if method not in self._methods:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else params.get("token")
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        try:
            team, org = self._team_for(str(token), params)
            self._answered.team_id = team.workspace.team_id
            answer = team.methods[method](params)
            if method == "auth.test" and org is not None:  # an organisation's token
                answer |= {"enterprise_id": org, "is_enterprise_install": True}
            return 200, {"ok": True, **answer}, {}
        except SlackError as exc:
            body: dict[str, Any] = {"ok": False, "error": exc.error}
            if exc.messages:
                body["response_metadata"] = {"messages": exc.messages}
            return 200, body, {}

    def _answer_page(
        self,
        request: _Handler,
        received: float,
        params: dict[str, Any],
        headers: dict[str, str],
        status: int,
        extra: dict[str, str],
        body: bytes,
        *,
        method: str = "openid.connect.authorize",
    ) -> None:
        """Answer a browser (the authorize page), recorded like a Web API call."""
        answer = {"redirect": status == 302}
        call = ApiCall(method, params, headers, b"", received, status, answer)
        with self._calls_changed:
            self._calls.append(call)
            self._calls_changed.notify_all()
        request.send_response(status)
        for name, value in {**extra, "Content-Length": str(len(body))}.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    def _team_for(self, token: str, params: dict[str, Any]) -> tuple[SimTeam, str | None]:
        """The workspace a call is answered in, and the organisation when the token is org-wide:
        the default token's workspace, else the one its OAuth grant speaks for — for an org-wide
        grant, the workspace the call names (`team_id`), or the one that knows the user or channel
        it is about. SlackError for a token that is unknown, revoked or expired."""
        if token == self.bot_token:
            return self._teams[self.workspace.team_id], None
        grant = self.oauth.grant(token)
        if not grant.org_wide:
            return self._teams[str(grant.team_id)], None
        members = [t for t in self._teams.values() if t.workspace.enterprise_id == grant.enterprise_id]
        named = params.get("team_id")
        if named:
            for team in members:
                if team.workspace.team_id == named:
                    return team, grant.enterprise_id
            raise SlackError("team_access_not_granted")
        about = [
            str(params[k]) for k in ("user", "users", "user_id", "channel", "channel_id") if params.get(k)
        ]
        for team in members:
            if any(_knows(team.workspace, thing) for thing in about):
                return team, grant.enterprise_id
        if not members:
            raise SlackError("team_access_not_granted")
        return members[0], grant.enterprise_id

    def _upload(self, file_id: str, content: bytes) -> tuple[int, dict[str, Any]]:
        fault = self._take_fault("upload")
        if fault is not None:
            return fault.status, {"ok": False, "error": fault.error}
        error = "file_not_found"
        for team in self._teams.values():  # file ids are unique across workspaces
            try:
                team.workspace.receive_upload(file_id, content)
            except SlackError as exc:
                error = exc.error
                continue
            return 200, {"ok": True, "size": len(content)}
        return 404, {"ok": False, "error": error}

    def _respond_via_url(self, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._calls_changed:
            target = self._response_urls.get(token)
        if target is None:
            return 404, {"ok": False, "error": "expired_url"}
        user_id, channel_id, ts, ephemeral, team_id = target
        ws, fields = self.team(team_id).workspace, message_fields(body)
        text = body.get("text")
        try:
            if ts and body.get("delete_original"):
                if ephemeral:
                    ws.replace_ephemeral(user_id, ts, delete=True)
                else:
                    ws.delete_message(channel_id, ts)
            elif ts and body.get("replace_original"):
                if ephemeral:
                    ws.replace_ephemeral(user_id, ts, text, **fields)
                else:
                    ws.update_message(channel_id, ts, text, **fields)
            elif body.get("response_type") == "in_channel":
                ws.post_message(channel_id, text, **fields)
            else:
                ws.post_ephemeral(channel_id, user_id, text, **fields)
        except SlackError as exc:
            return 400, {"ok": False, "error": exc.error}
        return 200, {"ok": True}


def _knows(workspace: SlackWorkspace, thing: str) -> bool:
    """Whether a user or channel id belongs to the workspace."""
    for look in (workspace.user, workspace.resolve_channel):
        try:
            look(thing.split(",")[0])
        except SlackError:
            continue
        return True
    return False


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {}
    return dict(parse_qsl(raw.decode(), keep_blank_values=True))
