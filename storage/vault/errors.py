"""Every user-facing vault message, and the mapping from Secret Manager errors to them.

Messages say what happened and what to do next. They never contain a credential value: they are
built from ids, permission names and status codes only, and a server's own message is scrubbed of
in-flight values before it is quoted.
"""

from __future__ import annotations

from google.api_core import exceptions as google_exceptions
from google.auth import exceptions as auth_exceptions

from core.i18n import N_, gettext
from core.logs import scrub
from storage.vault.base import VaultError

# The IAM permission each RPC needs; the bot's role holds the first two, disable and enable for
# production approvals (PRODUCTION_APPROVALS above 0; disable also for DISABLE_PREVIOUS_VERSIONS),
# and update for expiry dates on existing secrets (best effort: never a user-facing failure).
PERMISSIONS = {
    "create_secret": "secretmanager.secrets.create",
    "add_secret_version": "secretmanager.versions.add",
    "disable_secret_version": "secretmanager.versions.disable",
    "enable_secret_version": "secretmanager.versions.enable",
    "update_secret": "secretmanager.secrets.update",
}
_ACTIONS = {
    "create_secret": N_("create the secret"),
    "add_secret_version": N_("add a version to the secret"),
    "disable_secret_version": N_("disable a version of the secret"),
    "enable_secret_version": N_("enable the approved version of the secret"),
}

EMPTY_VALUE = N_("The credential is empty. Paste the value and submit again.")
TOO_LARGE = N_(
    "The credential is {size:,} bytes; Secret Manager accepts at most {limit:,} bytes (64 KiB). "
    "Check that you pasted only the credential, then submit again."
)
NOT_TEXT = N_("The credential must be text. Paste the value and submit again.")
REGISTRATION_MISSING = N_(
    "This registration no longer exists in this workspace, so nothing was saved. "
    "Start the registration again."
)
PERMISSION_DENIED = N_(
    "The bot is not allowed to {action} in Secret Manager: it needs the permission `{permission}` "
    "on secret `{secret_id}` (project {project}). Ask a Google Cloud admin to grant the bot's "
    "service account the codat-register role (README > Secrets). Nothing was saved."
)
UNAVAILABLE = N_("Secret Manager did not answer in time. Nothing was saved. Please try again.")
QUOTA = N_("Secret Manager is busy (quota). Wait a minute and try again.")
INVALID_ARGUMENT = N_(
    "Secret Manager rejected the request for secret `{secret_id}`: {reason}. Nothing was saved."
)
UNCONFIRMED = N_(
    "Secret Manager answered without confirming the new version of secret `{secret_id}` ({problem}). "
    "The credential may not be stored: please submit it again."
)
UNRECORDED = N_(
    "The credential reached the vault, but the bot could not record where it went. Please submit it again."
)
DATABASE_UNAVAILABLE = N_("The bot could not reach its database, so nothing was saved. Please try again.")
AUTHENTICATION = N_(
    "The bot could not authenticate to Google Cloud, so nothing was saved. Ask an admin to check "
    "the service account credentials (Application Default Credentials)."
)
GENERIC = N_(
    "Secret Manager could not store the credential (error {code}). Nothing was saved. Please try "
    "again; if it keeps failing, ask an admin to check the bot's logs."
)
APPROVAL_PERMISSIONS = N_(
    "Production credentials wait for approval as a disabled version, but the bot's role lacks "
    "{permissions} on secret `{secret_id}` (project {project}). Ask a Google Cloud admin to add them "
    "to the codat-register role (README > Secrets), or set PRODUCTION_APPROVALS=0 to store "
    "production credentials without approval. Nothing was saved."
)
LEFT_ENABLED = N_(
    "Secret Manager took version {version} of secret `{secret_id}` but did not disable it in time, "
    "so it was not submitted for approval. The bot keeps trying to disable it; ask a Google Cloud "
    "admin to check that it is disabled. Submit the credential again."
)
DEVELOPMENT_WRITE_FAILED = N_(
    "The development vault could not write the credential ({reason}). Nothing was saved. "
    "Check that DATA_DIR is writable."
)

_MAX_REASON = 200


def empty_value() -> VaultError:
    return VaultError(gettext(EMPTY_VALUE), code="empty_value")


def not_text() -> VaultError:
    return VaultError(gettext(NOT_TEXT), code="invalid_value")


def too_large(size: int, limit: int) -> VaultError:
    return VaultError(gettext(TOO_LARGE).format(size=size, limit=limit), code="payload_too_large")


def registration_missing() -> VaultError:
    return VaultError(gettext(REGISTRATION_MISSING), code="registration_not_found")


def out_of_time(code: str = "deadline_exceeded") -> VaultError:
    """Retries used up the total deadline (UNAVAILABLE or DEADLINE_EXCEEDED throughout)."""
    return VaultError(gettext(UNAVAILABLE), code=code, retryable=True)


def unconfirmed(secret_id: str, problem: str) -> VaultError:
    return VaultError(
        gettext(UNCONFIRMED).format(secret_id=secret_id, problem=problem), code="unconfirmed_version"
    )


def database_unavailable() -> VaultError:
    return VaultError(gettext(DATABASE_UNAVAILABLE), code="database", retryable=True)


def unconfirmed_record() -> VaultError:
    return VaultError(gettext(UNRECORDED), code="unrecorded", retryable=True)


def approval_permissions(missing: list[str], secret_id: str, project: str) -> VaultError:
    """The role lacks what keeping a version pending needs: nothing was added."""
    names = ", ".join(f"`{permission}`" for permission in missing)
    message = gettext(APPROVAL_PERMISSIONS).format(permissions=names, secret_id=secret_id, project=project)
    return VaultError(message, code="permission_denied")


def left_enabled(secret_id: str, version: str, resource_name: str) -> VaultError:
    """A pending version was added but could not be disabled: the caller keeps disabling it."""
    message = gettext(LEFT_ENABLED).format(version=version, secret_id=secret_id)
    return VaultError(message, code="not_disabled", retryable=True, leftover=resource_name)


def development_write_failed(reason: str) -> VaultError:
    return VaultError(gettext(DEVELOPMENT_WRITE_FAILED).format(reason=reason), code="development_vault")


def development_not_found() -> VaultError:
    """The development vault has no such secret (nothing was ever stored for that field)."""
    message = gettext(DEVELOPMENT_WRITE_FAILED).format(reason="unknown secret")
    return VaultError(message, code="not_found")


def from_google(error: Exception, *, method: str, secret_id: str, project: str) -> VaultError:
    """The VaultError for a failed Secret Manager call. Never includes the request or the value."""
    if isinstance(error, google_exceptions.PermissionDenied):
        permission = PERMISSIONS.get(method, method)
        action = gettext(_ACTIONS.get(method, method))
        message = gettext(PERMISSION_DENIED).format(
            action=action, permission=permission, secret_id=secret_id, project=project
        )
        return VaultError(message, code="permission_denied")
    if isinstance(error, google_exceptions.ServiceUnavailable):
        return out_of_time("unavailable")
    if isinstance(error, google_exceptions.DeadlineExceeded):
        return out_of_time("deadline_exceeded")
    if isinstance(error, google_exceptions.ResourceExhausted):
        return VaultError(gettext(QUOTA), code="quota", retryable=True)
    if isinstance(error, google_exceptions.InvalidArgument):
        reason = _reason(getattr(error, "message", "")) or "the request is not valid"
        return VaultError(
            gettext(INVALID_ARGUMENT).format(secret_id=secret_id, reason=reason), code="invalid_argument"
        )
    if isinstance(error, auth_exceptions.GoogleAuthError):
        return VaultError(gettext(AUTHENTICATION), code="authentication", retryable=False)
    return VaultError(gettext(GENERIC).format(code=status_name(error)), code=status_name(error).lower())


def metadata_failure(error: VaultError) -> str:
    """Why a secret's metadata (annotations, rotation) was not written, for one log line: the
    status code, and for PERMISSION_DENIED the permission the role lacks. Never a value."""
    if error.code == "permission_denied":
        return f"PERMISSION_DENIED (the role lacks {PERMISSIONS['update_secret']})"
    return error.code.upper()


def status_name(error: Exception) -> str:
    """ "PERMISSION_DENIED", "UNAVAILABLE", … or the exception class for non-gRPC failures."""
    status = getattr(error, "grpc_status_code", None)
    if status is not None:
        return str(status.name)
    return type(error).__name__


def _reason(server_message: str) -> str:
    # Scrub in-flight values even though Secret Manager does not echo payloads: defence in depth.
    reason = scrub(str(server_message or "")).strip().rstrip(".")
    return reason[:_MAX_REASON]
