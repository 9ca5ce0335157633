"""The real Secret Manager client, wired to an emulator over a plaintext loopback channel."""

from __future__ import annotations

import grpc
from google.cloud.secretmanager_v1 import SecretManagerServiceClient
from google.cloud.secretmanager_v1.services.secret_manager_service.transports import (
    SecretManagerServiceGrpcTransport,
)

from core.network import is_loopback_endpoint


def client_for(address: str) -> SecretManagerServiceClient:
    """A ``SecretManagerServiceClient`` talking to the emulator at ``host:port``.

    Passing a channel *instance* makes the transport skip credential lookup entirely (no ADC,
    no metadata-server probe). Only loopback addresses are accepted: the channel is plaintext.
    Close it with ``client.transport.close()``.
    """
    if not is_loopback_endpoint(address):
        raise ValueError(f"client_for needs a loopback host:port, got {address!r}")
    transport = SecretManagerServiceGrpcTransport(channel=grpc.insecure_channel(address))
    return SecretManagerServiceClient(transport=transport)
