"""Settings from environment variables and an optional `.env` file.

The first block of names is a contract other tooling relies on: keep them.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.i18n import LANGUAGES, supported
from core.network import is_loopback_endpoint, is_loopback_url

REPO_ROOT = Path(__file__).resolve().parent.parent
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,20}$")
_TOPIC = re.compile(r"projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/[A-Za-z][A-Za-z0-9._~%+-]{2,254}")
DEFAULT_DATA_DIR = REPO_ROOT / "data"


def reveal(value: SecretStr | None) -> str | None:
    """The plain value of a secret setting, for the one call that needs it (never for logging)."""
    return value.get_secret_value() if value is not None else None


class AppEnv(StrEnum):
    development = "development"
    production = "production"


class SecretIntake(StrEnum):
    modal = "modal"  # typed into the Slack modal
    link = "link"  # typed into the bot's one-time secure page only
    both = "both"


class LogFormat(StrEnum):
    json = "json"  # one JSON object a line, as Cloud Logging reads it
    text = "text"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    # --- contract -------------------------------------------------------
    SLACK_BOT_TOKEN: SecretStr | None = None
    SLACK_SIGNING_SECRET: SecretStr | None = None
    SLACK_APP_TOKEN: SecretStr | None = None
    SLACK_API_URL: str = "https://slack.com/api/"
    DATABASE_URL: str | None = None
    PORT: int = Field(default=3000, ge=1, le=65535)
    GCP_PROJECT_ID: str | None = None
    SECRET_MANAGER_ENDPOINT: str | None = None
    LOG_LEVEL: str = "INFO"
    # The language of a person whose Slack locale is not known yet (and who chose none).
    DEFAULT_LANGUAGE: str = "en"

    # --- deployment -------------------------------------------------------
    APP_ENV: AppEnv = AppEnv.development
    DATA_DIR: Path = DEFAULT_DATA_DIR
    HOST: str = "0.0.0.0"
    WEB_THREADS: int = Field(default=16, ge=1, le=256)
    # gunicorn worker processes: 1 while the in-process scheduler runs (one sweep, one pacer);
    # any number with RUN_SCHEDULER=false (the sweep then runs as `python app.py sweep`).
    WEB_WORKERS: int | None = Field(default=None, ge=1, le=64)
    GRACEFUL_TIMEOUT_SECONDS: int = Field(default=10, ge=1, le=600)
    # Unset: json when APP_ENV=production, else text (see `log_format`).
    LOG_FORMAT: LogFormat | None = None
    # GET /metrics (Prometheus text format): counts and latencies only, no user ids or values.
    METRICS_ENABLED: bool = True
    SANDBOX_PORT: int = Field(default=3001, ge=0, le=65535)

    # --- vault ------------------------------------------------------------
    # Comma-separated Secret Manager locations for user-managed replication (data residency);
    # empty means automatic replication.
    SECRET_REPLICATION_LOCATIONS: Annotated[list[str], NoDecode] = []
    VAULT_DEADLINE_SECONDS: float = Field(default=1.5, gt=0, le=2.5)
    # Key of the HMAC that fingerprints stored values; generated into DATA_DIR for development.
    FINGERPRINT_KEY: SecretStr | None = None
    DISABLE_PREVIOUS_VERSIONS: bool = False
    # Secret Manager's own rotation schedule (optional): a Pub/Sub topic (projects/…/topics/…)
    # that a secret with an expiry date gets, with `rotation.next_rotation_time` = the expiry
    # minus the first EXPIRY_REMINDER_DAYS lead, so SECRET_ROTATE is published then.
    ROTATION_TOPIC: str | None = None

    # --- governance -------------------------------------------------------
    # The bot's admins: these Slack user ids (comma-separated) and the members of this Slack user
    # group (an S… id). With neither set, the workspace's own admins and owners are.
    ADMIN_USERS: Annotated[list[str], NoDecode] = []
    ADMIN_USERGROUP: str | None = None
    # Four eyes: a production credential stays pending (disabled in the vault) until this many
    # admins other than its submitter approved it; 0 turns approvals off (one-person teams).
    PRODUCTION_APPROVALS: int = Field(default=1, ge=0, le=10)
    # A pending approval nobody decided on expires after this many days (treated as rejected).
    APPROVAL_EXPIRY_DAYS: int = Field(default=7, ge=1, le=90)

    # --- the secure credentials page (bot.secure_page) ---------------------
    # The bot's public base URL (https://host, what the manifest's request URLs start with); the
    # secure page is served under it. http:// only on a loopback address (tests, the sandbox).
    PUBLIC_URL: str | None = None
    # Where credentials are typed: the modal, a one-time secure page, or both (unset: both when
    # PUBLIC_URL is set, else the modal; Socket Mode always uses the modal).
    SECRET_INTAKE: SecretIntake | None = None
    SECURE_LINK_MINUTES: int = Field(default=10, ge=1, le=60)
    # Sign in with Slack (OpenID Connect) on the secure page: the app's Client ID and Secret.
    SLACK_CLIENT_ID: str | None = None
    SLACK_CLIENT_SECRET: SecretStr | None = None

    # --- installs (bot.installs) --------------------------------------------
    # With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET and no SLACK_BOT_TOKEN, the bot is installed
    # through Slack's OAuth (GET /slack/install), into any number of workspaces. When a workspace
    # uninstalls the app: keep its registrations and audit trail (false) or delete them (true).
    # Secrets in Secret Manager are never deleted by the bot either way.
    PURGE_ON_UNINSTALL: bool = False

    # --- Codat -----------------------------------------------------------
    # A Codat API key: with it, the bot asks Codat whether each integration is enabled and ticks
    # "Enabled in Codat" itself; without it, nothing is sent to Codat ("not checked").
    CODAT_API_KEY: SecretStr | None = None
    CODAT_API_URL: str = "https://api.codat.io"

    # --- follow-ups -------------------------------------------------------
    RUN_SCHEDULER: bool = True
    REMINDER_FIRST_AFTER_BUSINESS_DAYS: int = Field(default=2, ge=0, le=30)
    REMINDER_REPEAT_BUSINESS_DAYS: int = Field(default=2, ge=1, le=30)
    REMINDER_WORK_START_HOUR: int = Field(default=9, ge=0, le=23)
    REMINDER_WORK_END_HOUR: int = Field(default=17, ge=1, le=24)
    REMINDER_ESCALATE_AFTER: int = Field(default=3, ge=1, le=50)
    REMINDER_SWEEP_SECONDS: int = Field(default=60, ge=1, le=3600)
    # Items one claim takes (a sweep claims again while batches come back full). Sending a batch
    # (paced, one DM per owner) must fit well inside the lease below.
    REMINDER_SWEEP_BATCH: int = Field(default=200, ge=1, le=20000)
    # A claim is a lease: if the sweeping process dies, the items are re-claimed after this.
    REMINDER_CLAIM_LEASE_SECONDS: int = Field(default=600, ge=30, le=86400)
    # A failed send is retried by a sweep at least this much later.
    REMINDER_RETRY_SECONDS: int = Field(default=300, ge=0, le=86400)
    # Pacing of DMs: per DM channel (Slack allows ~1/s) and workspace-wide; 0 turns either off.
    REMINDER_CHANNEL_INTERVAL_SECONDS: float = Field(default=1.0, ge=0, le=60)
    REMINDER_SENDS_PER_MINUTE: int = Field(default=60, ge=0, le=6000)
    # Days before a credential's expiry date when its owner and the admins are reminded.
    EXPIRY_REMINDER_DAYS: Annotated[list[int], NoDecode] = [30, 7, 1]
    # How long a users.info answer (time zone, left the workspace) is trusted.
    REMINDER_USER_REFRESH_HOURS: int = Field(default=24, ge=1, le=720)

    @field_validator("SECRET_REPLICATION_LOCATIONS", mode="before")
    @classmethod
    def _split_locations(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("EXPIRY_REMINDER_DAYS", mode="before")
    @classmethod
    def _split_days(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value = [int(part) for part in value.split(",") if part.strip()]
            except ValueError:
                raise ValueError("must be whole numbers of days separated by commas, e.g. 30,7,1") from None
        if isinstance(value, list):
            if not all(isinstance(day, int) and 0 <= day <= 365 for day in value):
                raise ValueError("must be numbers of days between 0 and 365, e.g. 30,7,1")
            return sorted(set(value), reverse=True)  # largest lead first
        return value

    @field_validator("ROTATION_TOPIC")
    @classmethod
    def _topic_name(cls, value: str | None) -> str | None:
        if value is not None and not _TOPIC.fullmatch(value):
            raise ValueError("must be a Pub/Sub topic name, projects/<project>/topics/<topic>")
        return value

    @field_validator("ADMIN_USERS", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list) and not all(isinstance(v, str) and _USER_ID.match(v) for v in value):
            raise ValueError("must be Slack user ids separated by commas, e.g. U012AB3CD,W0456EF7G")
        return value

    @field_validator("ADMIN_USERGROUP", mode="before")
    @classmethod
    def _usergroup_id(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip() or None
        if value is not None and not (isinstance(value, str) and _USERGROUP_ID.match(value)):
            raise ValueError("must be a Slack user group id (S…), e.g. S0123ABCD")
        return value

    @field_validator("SLACK_BOT_TOKEN")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value and not (reveal(value) or "").startswith("xoxb-"):
            raise ValueError("must start with xoxb- (the Bot User OAuth Token)")
        return value or None

    @field_validator("SLACK_APP_TOKEN")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value and not (reveal(value) or "").startswith("xapp-"):
            raise ValueError("must start with xapp- (an app-level token with connections:write)")
        return value or None

    @field_validator("DEFAULT_LANGUAGE")
    @classmethod
    def _known_language(cls, value: str) -> str:
        language = supported(value)
        if language is None:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return language

    @field_validator("LOG_FORMAT", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @field_validator("LOG_LEVEL")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("CODAT_API_KEY")
    @classmethod
    def _codat_key(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("CODAT_API_URL")
    @classmethod
    def _codat_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.username or parts.password:
            raise ValueError("must not carry credentials (the key goes in CODAT_API_KEY)")
        if parts.scheme == "https" and parts.hostname:
            return value
        if parts.scheme == "http" and is_loopback_url(value):  # a local stand-in
            return value
        raise ValueError("must be an https:// URL, or http:// on a loopback address (a local stand-in)")

    @field_validator("PUBLIC_URL")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        value = (value or "").strip().rstrip("/")
        if not value:
            return None
        parts = urlsplit(value)
        if parts.username or parts.password or parts.query or parts.fragment or parts.path:
            raise ValueError("must be the bot's base URL only, e.g. https://codat-register.example.com")
        if parts.scheme == "https" and parts.hostname:
            return value
        if parts.scheme == "http" and is_loopback_url(value):  # tests and the sandbox
            return value
        raise ValueError("must be an https:// URL, or http:// on a loopback address (tests, the sandbox)")

    @field_validator("SECRET_INTAKE", mode="before")
    @classmethod
    def _secret_intake(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @field_validator("SLACK_CLIENT_ID")
    @classmethod
    def _client_id(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("SLACK_CLIENT_SECRET")
    @classmethod
    def _client_secret(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("SECRET_MANAGER_ENDPOINT")
    @classmethod
    def _loopback_endpoint(cls, value: str | None) -> str | None:
        if not value:
            return None
        host, _, port = value.rpartition(":")
        if not host.strip("[]") or not port.isdigit():
            raise ValueError("must be host:port, e.g. 127.0.0.1:8085")
        if not is_loopback_endpoint(value):
            raise ValueError("must be a loopback address (the emulator is plaintext gRPC)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.REMINDER_WORK_END_HOUR <= self.REMINDER_WORK_START_HOUR:
            raise ValueError("REMINDER_WORK_END_HOUR must be after REMINDER_WORK_START_HOUR")
        if self.SECRET_INTAKE in (SecretIntake.link, SecretIntake.both) and not self.PUBLIC_URL:
            raise ValueError(
                f"SECRET_INTAKE={self.SECRET_INTAKE.value} needs PUBLIC_URL: the secure page is served "
                "under the bot's public URL"
            )
        if bool(self.SLACK_CLIENT_ID) != bool(self.SLACK_CLIENT_SECRET):
            raise ValueError(
                "Sign in with Slack and OAuth installs need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(Basic Information > App Credentials), or neither"
            )
        if self.RUN_SCHEDULER and (self.WEB_WORKERS or 1) > 1:
            raise ValueError(
                "WEB_WORKERS above 1 needs RUN_SCHEDULER=false: run the reminder sweep once a minute "
                "with `python app.py sweep` (cron, Cloud Scheduler) instead of in every worker"
            )
        return self

    # --- derived ----------------------------------------------------------
    @property
    def database_url(self) -> str:
        if self.DATABASE_URL:
            return self.DATABASE_URL
        return f"sqlite:///{self.DATA_DIR / 'codat-register.sqlite3'}"

    @property
    def log_format(self) -> LogFormat:
        if self.LOG_FORMAT is not None:
            return self.LOG_FORMAT
        return LogFormat.json if self.production else LogFormat.text

    @property
    def web_workers(self) -> int:
        return self.WEB_WORKERS or 1

    @property
    def slack_configured(self) -> bool:
        return bool(self.SLACK_BOT_TOKEN or self.SLACK_SIGNING_SECRET or self.SLACK_APP_TOKEN)

    @property
    def socket_mode(self) -> bool:
        return bool(self.SLACK_APP_TOKEN)

    @property
    def oauth_install(self) -> bool:
        """Installed through Slack's OAuth into any number of workspaces: the app's client id and
        secret are set and no SLACK_BOT_TOKEN (with one, the bot serves that one workspace and the
        client id and secret serve Sign in with Slack only)."""
        return bool(self.SLACK_CLIENT_ID and self.SLACK_CLIENT_SECRET and not self.SLACK_BOT_TOKEN)

    @property
    def slack_authorize_url(self) -> str:
        """Slack's OAuth authorize page, beside the Web API (https://slack.com/oauth/v2/authorize;
        the stand-in's on loopback when SLACK_API_URL points at it)."""
        parts = urlsplit(self.SLACK_API_URL)
        return f"{parts.scheme}://{parts.netloc}/oauth/v2/authorize"

    @property
    def codat_configured(self) -> bool:
        """Whether the bot may ask Codat (CODAT_API_KEY is set)."""
        return self.CODAT_API_KEY is not None

    @property
    def secret_intake(self) -> SecretIntake:
        """Where credentials are typed: SECRET_INTAKE, else both with PUBLIC_URL; always the
        modal in Socket Mode, which serves no page (there is no public URL)."""
        if self.socket_mode or not self.PUBLIC_URL:
            return SecretIntake.modal
        return self.SECRET_INTAKE or SecretIntake.both

    @property
    def sign_in_with_slack(self) -> bool:
        """Whether the secure page signs people in with Slack (OpenID Connect) first."""
        return bool(self.SLACK_CLIENT_ID and self.SLACK_CLIENT_SECRET)

    @property
    def production(self) -> bool:
        return self.APP_ENV is AppEnv.production


# How to get each setting, for the one-line start-up error.
HOW_TO_GET = {
    "SLACK_BOT_TOKEN": "create the app from manifest.yml at https://api.slack.com/apps, install it, "
    "then copy OAuth & Permissions > Bot User OAuth Token (xoxb-…); or, to install it in several "
    "workspaces through Slack's OAuth, set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET instead",
    "SLACK_SIGNING_SECRET": "copy Basic Information > App Credentials > Signing Secret "
    "(or set SLACK_APP_TOKEN to use Socket Mode instead)",
    "SLACK_APP_TOKEN": "create one under Basic Information > App-Level Tokens "
    "with connections:write (xapp-…)",
    "SLACK_API_URL": "leave unset to use Slack; set it only for a local stand-in",
    "DATABASE_URL": "a SQLAlchemy URL, e.g. postgresql+psycopg://user@host:5432/db",
    "PORT": "a TCP port number between 1 and 65535",
    "SECRET_MANAGER_ENDPOINT": "host:port of a local emulator, e.g. 127.0.0.1:8085 "
    "(python -m simulators.secret_manager --port 8085)",
    "GCP_PROJECT_ID": "the Google Cloud project that holds the secrets",
    "APP_ENV": "development or production",
    "LOG_FORMAT": "json (one JSON object a line, for Cloud Logging) or text; "
    "unset means json when APP_ENV=production, text otherwise",
    "METRICS_ENABLED": "true or false: whether GET /metrics answers (Prometheus text format)",
    "ADMIN_USERS": "the Slack user ids of the bot's admins, comma-separated (profile > ⋮ > Copy member ID)",
    "ADMIN_USERGROUP": "the id of the Slack user group whose members are the bot's admins (S…); "
    "the app needs the usergroups:read scope",
    "PRODUCTION_APPROVALS": "the number of admins, other than the submitter, who must approve a production "
    "credential before it becomes current (0 turns approvals off, e.g. for a one-person team)",
    "APPROVAL_EXPIRY_DAYS": "days after which a production credential nobody approved expires "
    "(it stays disabled, like a rejected one), 1 to 90",
    "CODAT_API_KEY": "a Codat API key: Codat Portal > Developers > API keys (an Admin or Developer "
    "user can create one); unset, the bot never calls Codat and shows integrations as not checked",
    "CODAT_API_URL": "leave unset to use https://api.codat.io; http:// only on a loopback address "
    "(python -m simulators.codat)",
    "PUBLIC_URL": "the bot's public base URL, e.g. https://codat-register.example.com (what the manifest's "
    "request URLs start with); http:// only on a loopback address",
    "SECRET_INTAKE": "modal, link or both: where credentials are typed (the Slack modal, a one-time secure "
    "page under PUBLIC_URL, or either); link and both need PUBLIC_URL",
    "SECURE_LINK_MINUTES": "how long a secure page link stays valid, in minutes (1 to 60)",
    "SLACK_CLIENT_ID": "Basic Information > App Credentials > Client ID (with SLACK_CLIENT_SECRET: the "
    "secure page signs people in with Slack)",
    "SLACK_CLIENT_SECRET": "Basic Information > App Credentials > Client Secret (with SLACK_CLIENT_ID)",
    "PURGE_ON_UNINSTALL": "true or false: when a workspace uninstalls the app, delete its registrations "
    "and audit trail (true) or keep them (false); secrets in Secret Manager are never deleted by the bot",
    "FINGERPRINT_KEY": "required in production, the key that fingerprints stored values; generate one with "
    "python -c 'import secrets; print(secrets.token_hex(32))' and keep it stable",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message is safe to print (no values)."""


def describe_validation_error(error: ValidationError) -> str:
    """One readable message per bad setting, naming the variable and how to fix it, never its value."""
    lines = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "settings"
        reason = item["msg"].removeprefix("Value error, ")
        hint = HOW_TO_GET.get(name)
        lines.append(f"{name}: {reason}" + (f" — {hint}" if hint else ""))
    return "\n".join(lines)


def refuse_in_production(settings: Settings, what: str, instead: str) -> None:
    """The one "development only" check: ConfigError naming `what` and what to do `instead`."""
    if settings.production:
        raise ConfigError(f"{what} refuses to run with APP_ENV=production — {instead}")


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into a ConfigError whose text never carries a value."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error)) from None
    if settings.slack_configured:
        if not settings.SLACK_BOT_TOKEN and not settings.oauth_install:
            raise ConfigError(f"SLACK_BOT_TOKEN is not set — {HOW_TO_GET['SLACK_BOT_TOKEN']}")
        if settings.oauth_install and settings.socket_mode:
            raise ConfigError(
                "SLACK_APP_TOKEN is set without SLACK_BOT_TOKEN — installing through Slack's OAuth "
                "(SLACK_CLIENT_ID, SLACK_CLIENT_SECRET) needs HTTP mode: unset SLACK_APP_TOKEN and set "
                "SLACK_SIGNING_SECRET, or set SLACK_BOT_TOKEN to serve one workspace in Socket Mode"
            )
        if not settings.socket_mode and not settings.SLACK_SIGNING_SECRET:
            raise ConfigError(f"SLACK_SIGNING_SECRET is not set — {HOW_TO_GET['SLACK_SIGNING_SECRET']}")
    if settings.production and not settings.GCP_PROJECT_ID:
        raise ConfigError(
            "GCP_PROJECT_ID is not set — production keeps credentials in Google Cloud Secret Manager; "
            "the local development vault is refused when APP_ENV=production"
        )
    if settings.production and not settings.FINGERPRINT_KEY:
        raise ConfigError(f"FINGERPRINT_KEY is not set — {HOW_TO_GET['FINGERPRINT_KEY']}")
    return settings
