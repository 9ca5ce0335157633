"""The bot scopes the app asks for when installed: read from manifest.yml, the one place they are
written (`oauth_config.scopes.bot`), so the app created from the manifest and the OAuth install
always ask for the same."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from core.settings import REPO_ROOT

MANIFEST = REPO_ROOT / "manifest.yml"


def bot_scopes(manifest: Path = MANIFEST) -> tuple[str, ...]:
    """The manifest's `oauth_config.scopes.bot`, in its order. ValueError when it has none."""
    return _read(manifest.read_text(encoding="utf-8"))


@functools.cache
def _read(text: str) -> tuple[str, ...]:
    data = yaml.safe_load(text) or {}
    scopes = ((data.get("oauth_config") or {}).get("scopes") or {}).get("bot") or []
    if not scopes or not all(isinstance(scope, str) for scope in scopes):
        raise ValueError(f"{MANIFEST.name} lists no oauth_config.scopes.bot")
    return tuple(scopes)
