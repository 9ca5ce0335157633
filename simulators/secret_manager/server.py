"""The emulator: a gRPC server speaking ``google.cloud.secretmanager.v1.SecretManagerService``.

The package ships no servicer or service descriptor, so the RPCs are registered through a
generic handler, (de)serialised with the proto-plus classes the real client uses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent import futures
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import grpc
from google.cloud.secretmanager_v1.types import resources, service
from google.iam.v1 import iam_policy_pb2
from google.protobuf import empty_pb2

from core.network import is_loopback_host
from simulators.secret_manager.errors import RpcError
from simulators.secret_manager.faults import FaultPlan, handler_name
from simulators.secret_manager.names import Names
from simulators.secret_manager.store import Store

SERVICE = "google.cloud.secretmanager.v1.SecretManagerService"


@dataclass(frozen=True)
class _Rpc:
    request: Any  # the proto-plus request class (or, for the IAM RPC, the protobuf class)
    serialize: Callable[[Any], bytes]
    permission: str | None  # None: callable without any permission (TestIamPermissions)
    target: Callable[[Any], str]  # the name recorded in `calls`
    project_level: bool = False  # IAM is checked on the project rather than the secret

    @property
    def deserialize(self) -> Callable[[bytes], Any]:
        return getattr(self.request, "deserialize", None) or self.request.FromString


def _name(request: Any) -> str:
    return request.name


def _parent(request: Any) -> str:
    return request.parent


_SECRET = resources.Secret.serialize
_VERSION = resources.SecretVersion.serialize
_P = "secretmanager."
_RPCS: dict[str, _Rpc] = {
    "CreateSecret": _Rpc(
        service.CreateSecretRequest,
        _SECRET,
        _P + "secrets.create",
        lambda r: f"{r.parent}/secrets/{r.secret_id}",
        project_level=True,
    ),
    "GetSecret": _Rpc(service.GetSecretRequest, _SECRET, _P + "secrets.get", _name),
    "UpdateSecret": _Rpc(
        service.UpdateSecretRequest, _SECRET, _P + "secrets.update", lambda r: r.secret.name
    ),
    "DeleteSecret": _Rpc(
        service.DeleteSecretRequest, empty_pb2.Empty.SerializeToString, _P + "secrets.delete", _name
    ),
    "ListSecrets": _Rpc(
        service.ListSecretsRequest,
        service.ListSecretsResponse.serialize,
        _P + "secrets.list",
        _parent,
        project_level=True,
    ),
    "AddSecretVersion": _Rpc(service.AddSecretVersionRequest, _VERSION, _P + "versions.add", _parent),
    "GetSecretVersion": _Rpc(service.GetSecretVersionRequest, _VERSION, _P + "versions.get", _name),
    "AccessSecretVersion": _Rpc(
        service.AccessSecretVersionRequest,
        service.AccessSecretVersionResponse.serialize,
        _P + "versions.access",
        _name,
    ),
    "ListSecretVersions": _Rpc(
        service.ListSecretVersionsRequest,
        service.ListSecretVersionsResponse.serialize,
        _P + "versions.list",
        _parent,
    ),
    "EnableSecretVersion": _Rpc(service.EnableSecretVersionRequest, _VERSION, _P + "versions.enable", _name),
    "DisableSecretVersion": _Rpc(
        service.DisableSecretVersionRequest, _VERSION, _P + "versions.disable", _name
    ),
    "DestroySecretVersion": _Rpc(
        service.DestroySecretVersionRequest, _VERSION, _P + "versions.destroy", _name
    ),
    # google.iam.v1.IAMPolicy's method on a secret: which of the given permissions the caller holds.
    "TestIamPermissions": _Rpc(
        iam_policy_pb2.TestIamPermissionsRequest,
        iam_policy_pb2.TestIamPermissionsResponse.SerializeToString,
        None,
        lambda r: r.resource,
    ),
}
METHODS: frozenset[str] = frozenset(_RPCS)


class Emulator:
    """An in-memory Secret Manager on a loopback gRPC port, for tests and local runs.

    ``project_numbers`` ({"my-proj": "123456789012"}) makes answers name those projects by
    number, as Google does; either spelling is accepted on input. ``permissions``, when not
    None, is the full set of IAM permissions the caller holds: every RPC checks its own
    permission first and answers PERMISSION_DENIED without revealing whether the resource exists.
    TestIamPermissions answers which of the asked permissions are held (all of them when IAM is
    not checked), needs none itself, and answers none for a secret that does not exist.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        project_numbers: Mapping[str, str] | None = None,
        permissions: Iterable[str] | None = None,
    ) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"the emulator only listens on loopback addresses, not {host!r}")
        self._host = host.strip("[]")
        self._port = port
        self._names = Names(project_numbers)
        self._store = Store(self._names)
        self._faults = FaultPlan(METHODS)
        self._permissions = frozenset(permissions) if permissions is not None else None
        self._configured_permissions = self._permissions
        self._calls: list[tuple[str, str]] = []
        self._calls_lock = threading.Lock()
        self._server: grpc.Server | None = None
        self._executor: futures.ThreadPoolExecutor | None = None
        self._stopping = threading.Event()
        self._address: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving; return the address to dial, e.g. ``127.0.0.1:50123``."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._stopping = threading.Event()
        self._executor = futures.ThreadPoolExecutor(max_workers=16, thread_name_prefix="secret-manager-emu")
        # so_reuseport off: a busy fixed port must fail instead of being silently shared.
        server = grpc.server(self._executor, options=[("grpc.so_reuseport", 0)])
        server.add_generic_rpc_handlers((self._generic_handler(),))
        port = server.add_insecure_port(f"{host}:{self._port}")
        server.start()
        self._server = server
        self._address = f"{host}:{port}"
        return self._address

    def stop(self) -> None:
        """Stop serving, cancelling calls in flight (delayed calls wake up). Idempotent."""
        server, executor = self._server, self._executor
        self._server = self._executor = None
        self._address = None
        self._stopping.set()
        if server is not None:
            server.stop(grace=None).wait()
        if executor is not None:
            executor.shutdown(wait=True)

    @property
    def address(self) -> str | None:
        """``host:port`` while running, else None."""
        return self._address

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- faults, delays, IAM ----------------------------------------------------------------

    def inject_fault(
        self,
        code: grpc.StatusCode,
        method: str | None = None,
        times: int = 1,
        message: str | None = None,
        after_apply: bool = False,
    ) -> None:
        """Make the next ``times`` calls (to ``method``, or to any) abort with ``code``.

        ``after_apply=True`` applies the call first and then aborts: an ambiguous failure
        where the change happened but the client saw an error.
        """
        self._faults.add_fault(code, method, times, message, after_apply)

    def delay(self, seconds: float, method: str | None = None, times: int = 1) -> None:
        """Make the next ``times`` calls wait ``seconds`` first; they are still applied after."""
        self._faults.add_delay(seconds, method, times)

    def clear_faults(self) -> None:
        """Drop every pending fault and delay."""
        self._faults.clear()

    @property
    def permissions(self) -> frozenset[str] | None:
        """The caller's IAM permissions, or None when IAM is not checked."""
        return self._permissions

    @permissions.setter
    def permissions(self, value: Iterable[str] | None) -> None:
        self._permissions = frozenset(value) if value is not None else None

    # -- inspection (in-process only) --------------------------------------------------------

    def secrets(self) -> list[str]:
        """Names of the stored secrets, in creation order, spelled as answers spell them."""
        return self._store.secret_names()

    def versions(self, secret_name: str) -> list[resources.SecretVersion]:
        """The versions of a secret, oldest first; KeyError when the secret does not exist."""
        return self._store.versions(secret_name)

    def payloads(self) -> list[bytes]:
        """Every stored payload (destroyed versions have none)."""
        return self._store.payloads()

    @property
    def calls(self) -> list[tuple[str, str]]:
        """(RPC method, secret or parent name as sent) of every call received; never payloads."""
        with self._calls_lock:
            return list(self._calls)

    def reset(self) -> None:
        """Forget secrets, calls, faults and delays, and restore the constructor's permissions.

        The server keeps running on the same address, with the same project numbers.
        """
        self._permissions = self._configured_permissions
        self._store.clear()
        self._faults.clear()
        with self._calls_lock:
            self._calls.clear()

    # -- serving -----------------------------------------------------------------------------

    def _generic_handler(self) -> grpc.GenericRpcHandler:
        handlers = {
            method: grpc.unary_unary_rpc_method_handler(
                self._make_behaviour(method),
                request_deserializer=rpc.deserialize,
                response_serializer=rpc.serialize,
            )
            for method, rpc in _RPCS.items()
        }
        return grpc.method_handlers_generic_handler(SERVICE, handlers)

    def _make_behaviour(self, method: str) -> Callable[[Any, grpc.ServicerContext], Any]:
        def behaviour(request: Any, context: grpc.ServicerContext) -> Any:
            return self._dispatch(method, request, context)

        return behaviour

    def _dispatch(self, method: str, request: Any, context: grpc.ServicerContext) -> Any:
        rpc = _RPCS[method]
        with self._calls_lock:
            self._calls.append((method, rpc.target(request)))
        seconds = self._faults.take_delay(method)
        if seconds:
            self._stopping.wait(seconds)
        fault = self._faults.take_fault(method)
        if fault is not None and not fault.after_apply:
            context.abort(fault.code, fault.message)
        try:
            self._authorize(rpc, request)
            if method == "TestIamPermissions":
                response = self._test_iam_permissions(request)
            else:
                response = getattr(self._store, handler_name(method))(request)
        except RpcError as error:
            if fault is None:
                context.abort(error.code, error.message)
            response = None  # the injected fault below hides the real outcome
        if fault is not None:
            context.abort(fault.code, fault.message)
        return response

    def _test_iam_permissions(
        self, request: iam_policy_pb2.TestIamPermissionsRequest
    ) -> iam_policy_pb2.TestIamPermissionsResponse:
        """The real API's semantics: no wildcards; an unknown secret holds no permissions (rather
        than NOT_FOUND); the answer is the asked permissions the caller holds, in the asked order."""
        asked = list(request.permissions)
        if any("*" in permission for permission in asked):
            raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, "Permissions with wildcards are not allowed.")
        held = self._permissions
        exists = self._store.has_secret(request.resource)
        granted = [p for p in asked if exists and (held is None or p in held)]
        return iam_policy_pb2.TestIamPermissionsResponse(permissions=granted)

    def _authorize(self, rpc: _Rpc, request: Any) -> None:
        permissions = self._permissions
        if permissions is None or rpc.permission is None or rpc.permission in permissions:
            return
        # Malformed names fail as INVALID_ARGUMENT here, before the permission check.
        if rpc.project_level:
            resource = self._names.parent_name(*self._names.parent(request.parent))
        else:
            resource = self._names.secret_name(self._names.secret_of(rpc.target(request)))
        raise RpcError(
            grpc.StatusCode.PERMISSION_DENIED,
            f"Permission '{rpc.permission}' denied for resource '{resource}' (or it may not exist).",
        )
