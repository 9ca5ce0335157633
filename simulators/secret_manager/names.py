"""Resource names: parsing what clients send, and spelling what the emulator answers.

Clients may name a project by id or by number. Internally a project is keyed by its id when
the number is known (``project_numbers``), so both spellings reach the same secrets; answers
use the number for mapped projects, as the real API does, and the name as given otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from simulators.secret_manager.errors import invalid_format
from simulators.secret_manager.validation import is_valid_secret_id

_PARENT = r"projects/(?P<project>[^/]+)(?:/locations/(?P<location>[^/]+))?"
_PARENT_RE = re.compile(_PARENT)
_SECRET_RE = re.compile(_PARENT + r"/secrets/(?P<secret>[^/]+)")
_VERSION_RE = re.compile(_PARENT + r"/secrets/(?P<secret>[^/]+)/versions/(?P<version>[^/]+)")
# A version is named by its number, `latest`, or an alias (letters first, like the API's aliases).
_VERSION_SPEC_RE = re.compile(r"[1-9][0-9]{0,18}|[A-Za-z][A-Za-z0-9_-]{0,62}")


@dataclass(frozen=True)
class SecretKey:
    """Identity of a stored secret: canonical project, optional location, secret id."""

    project: str
    location: str | None
    secret_id: str


class Names:
    """Parses and renders names for one emulator, knowing its project id ↔ number map."""

    def __init__(self, project_numbers: Mapping[str, str] | None = None) -> None:
        numbers = dict(project_numbers or {})
        for project_id, number in numbers.items():
            if not project_id or "/" in project_id or not number.isdigit():
                raise ValueError(f"project_numbers needs id → digits, got {project_id!r}: {number!r}")
        if len(set(numbers.values())) != len(numbers):
            raise ValueError("project_numbers maps two projects to the same number")
        self._number_of = numbers
        self._id_of = {number: project_id for project_id, number in numbers.items()}

    # -- parsing ------------------------------------------------------------------------------

    def parent(self, name: str) -> tuple[str, str | None]:
        """`projects/P` or `projects/P/locations/L` → (canonical project, location)."""
        match = _PARENT_RE.fullmatch(name)
        if match is None:
            raise invalid_format(name)
        return self._canonical(match["project"]), match["location"]

    def secret(self, name: str) -> SecretKey:
        """A secret name → its key; INVALID_ARGUMENT when malformed."""
        match = _SECRET_RE.fullmatch(name)
        if match is None or not is_valid_secret_id(match["secret"]):
            raise invalid_format(name)
        return SecretKey(self._canonical(match["project"]), match["location"], match["secret"])

    def version(self, name: str) -> tuple[SecretKey, str]:
        """A version name → (secret key, version spec: a number, `latest` or an alias)."""
        match = _VERSION_RE.fullmatch(name)
        if (
            match is None
            or not is_valid_secret_id(match["secret"])
            or not _VERSION_SPEC_RE.fullmatch(match["version"])
        ):
            raise invalid_format(name)
        key = SecretKey(self._canonical(match["project"]), match["location"], match["secret"])
        return key, match["version"]

    def secret_of(self, name: str) -> SecretKey:
        """The secret a secret name or a version name belongs to."""
        return self.version(name)[0] if "/versions/" in name else self.secret(name)

    # -- rendering ----------------------------------------------------------------------------

    def parent_name(self, project: str, location: str | None) -> str:
        """The answer spelling of a project (or project location)."""
        base = f"projects/{self._number_of.get(project, project)}"
        return f"{base}/locations/{location}" if location else base

    def secret_name(self, key: SecretKey) -> str:
        """The answer spelling of a secret name."""
        return f"{self.parent_name(key.project, key.location)}/secrets/{key.secret_id}"

    def version_name(self, key: SecretKey, number: int) -> str:
        """The answer spelling of a version name."""
        return f"{self.secret_name(key)}/versions/{number}"

    def _canonical(self, project: str) -> str:
        return self._id_of.get(project, project)
