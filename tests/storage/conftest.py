"""Vault fixtures shared by the vault tests: a registration to store for, and vaults built by the
real factory against the Secret Manager emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import load_settings
from simulators.secret_manager import Emulator
from storage.db import Database
from storage.models import Registration
from storage.statuses import RegistrationStatus
from storage.team_scope import TeamScope
from storage.vault.factory import build_vault
from storage.vault.service import CredentialVault

PROJECT = "test-project"
TEAM = "T0001"
PLATFORM = "quickbooks-online"
FINGERPRINT_KEY = "test-fingerprint-key-0123"

MakeVault = Callable[..., CredentialVault]


def new_registration(
    db: Database,
    team_id: str = TEAM,
    platform: str = PLATFORM,
    status: str = RegistrationStatus.in_progress,
) -> str:
    with db.session() as session:
        registration = TeamScope(session, team_id).add_registration(
            Registration(platform=platform, environment="sandbox", created_by="U0ALICE", status=status)
        )
        return registration.id


@pytest.fixture
def registration_id(db: Database) -> str:
    return new_registration(db)


@pytest.fixture
def make_vault(db: Database, secret_manager: Emulator, tmp_path: Path) -> Iterator[MakeVault]:
    """A vault built by the factory, talking to `emulator` (the shared one by default)."""
    built: list[CredentialVault] = []

    def make(emulator: Emulator | None = None, **overrides: Any) -> CredentialVault:
        options = {
            "GCP_PROJECT_ID": PROJECT,
            "SECRET_MANAGER_ENDPOINT": (emulator or secret_manager).address,
            "DATA_DIR": tmp_path / "data",
            "FINGERPRINT_KEY": FINGERPRINT_KEY,
            **overrides,
        }
        vault = build_vault(load_settings(**{k: v for k, v in options.items() if v is not None}), db)
        assert isinstance(vault, CredentialVault)
        built.append(vault)
        return vault

    yield make
    for vault in built:
        vault.close()
