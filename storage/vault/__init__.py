"""Credential vaults: Google Cloud Secret Manager in production, an encrypted local file in development."""

from storage.vault.base import StoredSecret, Vault, VaultError

__all__ = ["StoredSecret", "Vault", "VaultError"]
