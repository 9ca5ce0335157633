"""Builds the vault the settings ask for: Google Cloud Secret Manager, or the development vault."""

from __future__ import annotations

import logging

from core.settings import Settings
from storage.db import Database
from storage.vault.backend import SecretBackend
from storage.vault.base import Vault
from storage.vault.dev_backend import DevelopmentBackend, refuse_in_production
from storage.vault.fingerprint import Fingerprinter, load_fingerprint_key
from storage.vault.google_backend import GoogleSecretManagerBackend, make_client
from storage.vault.service import CredentialVault

logger = logging.getLogger(__name__)


def build_vault(settings: Settings, db: Database) -> Vault:
    """Google Cloud Secret Manager when GCP_PROJECT_ID is set (over the emulator channel when
    SECRET_MANAGER_ENDPOINT is set, else Application Default Credentials); otherwise the
    development vault, which is refused in production. Raises ConfigError with a printable message.
    """
    backend: SecretBackend
    if settings.GCP_PROJECT_ID:
        fingerprinter = Fingerprinter(load_fingerprint_key(settings))
        backend = GoogleSecretManagerBackend(
            make_client(settings.SECRET_MANAGER_ENDPOINT),
            project_id=settings.GCP_PROJECT_ID,
            replication_locations=settings.SECRET_REPLICATION_LOCATIONS,
            endpoint=settings.SECRET_MANAGER_ENDPOINT,
        )
        level = logging.WARNING if backend.development_only else logging.INFO
        logger.log(level, "vault: %s", backend.location_label)
    else:
        refuse_in_production(settings)
        fingerprinter = Fingerprinter(load_fingerprint_key(settings))
        backend = DevelopmentBackend.from_settings(settings)
    return CredentialVault(
        backend,
        db,
        fingerprinter,
        deadline_seconds=settings.VAULT_DEADLINE_SECONDS,
        disable_previous=settings.DISABLE_PREVIOUS_VERSIONS,
        rotation_topic=settings.ROTATION_TOPIC,
        reminder_days=settings.EXPIRY_REMINDER_DAYS,
    )
