"""The one error type the emulator's logic raises; the server turns it into a gRPC status."""

from __future__ import annotations

import grpc


class RpcError(Exception):
    """A failed call: the gRPC status code and the message the client will see."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def invalid_format(resource: str) -> RpcError:
    """The INVALID_ARGUMENT Secret Manager returns for a malformed name or id."""
    return RpcError(grpc.StatusCode.INVALID_ARGUMENT, f"Resource ID [{resource}] is not in a valid format.")
