"""What the Codat stand-in knows: its integrations, the faults queued for it, and the calls it received.

Everything here is guarded by one lock, so tests and the sandbox can change it while the HTTP server's
threads read it. Shapes follow Codat's public OpenAPI (`Codat-Platform`, schemas `Integration`,
`Integrations`, `PagingInfo` and `ErrorMessage`).
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# `Integration.sourceType` in Codat's OpenAPI.
SOURCE_TYPES = ("Accounting", "Banking", "BankFeed", "Commerce", "Expense", "Other", "Unknown")
# `Integration.definitions.featureType` / `featureState`.
FEATURE_TYPES = (
    "Get",
    "Post",
    "Categorization",
    "Delete",
    "Put",
    "GetAsPdf",
    "DownloadAttachment",
    "GetAttachment",
    "GetAttachments",
    "UploadAttachment",
)
FEATURE_STATES = ("Release", "Alpha", "Beta", "Deprecated", "NotSupported", "NotImplemented")

SERVICE = "PublicApi"  # the `service` Codat names in its ErrorMessage examples
MAX_PAGE_SIZE = 5000  # the `pageSize` parameter's maximum in the OpenAPI
DEFAULT_PAGE_SIZE = 100

# Stable ids: the same key always gets the same integrationId/sourceId, run after run.
_ID_NAMESPACE = uuid.UUID("5a0d3c1e-8f4b-4f0e-9a51-6c0da7c0da70")

_DEFAULT_FEATURES: dict[str, tuple[str, ...]] = {
    "Accounting": ("invoices", "bills", "customers", "suppliers", "chartOfAccounts"),
    "Banking": ("banking-accounts", "banking-transactions"),
    "BankFeed": ("bankAccounts", "bankTransactions"),
    "Commerce": ("commerce-orders", "commerce-customers", "commerce-payments"),
    "Expense": ("expenses",),
}


def error_body(status: int, message: str) -> dict[str, Any]:
    """Codat's `ErrorMessage` for `status`, with a fresh correlation id."""
    return {
        "statusCode": status,
        "service": SERVICE,
        "error": message,
        "correlationId": secrets.token_hex(16),
        "canBeRetried": "Unknown",
        "detailedErrorCode": 0,
    }


def default_datatype_features(source_type: str) -> list[dict[str, Any]]:
    """A plausible `datatypeFeatures` list for a platform of `source_type` (reads released)."""
    return [
        {"datatype": datatype, "supportedFeatures": [{"featureType": "Get", "featureState": "Release"}]}
        for datatype in _DEFAULT_FEATURES.get(source_type, ())
    ]


@dataclass(frozen=True)
class IntegrationRecord:
    """One integration as Codat describes it; `to_json` gives the wire shape (camelCase)."""

    key: str
    name: str
    enabled: bool = False
    source_type: str = "Accounting"
    is_offline_connector: bool = False
    is_beta: bool = False
    data_provided_by: str = "Codat"
    logo_url: str | None = None  # None: a logo served by the stand-in itself (nothing from the internet)
    integration_id: str = ""
    source_id: str = ""
    datatype_features: tuple[Mapping[str, Any], ...] | None = None  # None: defaults for the source type

    def __post_init__(self) -> None:
        if not self.key or not self.key.strip():
            raise ValueError("an integration needs a platform key")
        if not self.name:
            raise ValueError(f"integration {self.key!r} needs a name")
        if self.source_type not in SOURCE_TYPES:
            raise ValueError(f"sourceType must be one of {', '.join(SOURCE_TYPES)}, not {self.source_type!r}")
        if not self.integration_id:
            object.__setattr__(
                self, "integration_id", str(uuid.uuid5(_ID_NAMESPACE, f"integration:{self.key}"))
            )
        if not self.source_id:
            object.__setattr__(self, "source_id", str(uuid.uuid5(_ID_NAMESPACE, f"source:{self.key}")))

    def to_json(self, base_url: str = "") -> dict[str, Any]:
        features = (
            [dict(f) for f in self.datatype_features]
            if self.datatype_features is not None
            else default_datatype_features(self.source_type)
        )
        return {
            "key": self.key,
            "logoUrl": self.logo_url or f"{base_url}/_standin/logos/{self.key}.svg",
            "name": self.name,
            "enabled": self.enabled,
            "sourceId": self.source_id,
            "sourceType": self.source_type,
            "integrationId": self.integration_id,
            "isOfflineConnector": self.is_offline_connector,
            "isBeta": self.is_beta,
            "dataProvidedBy": self.data_provided_by,
            "datatypeFeatures": features,
        }

    @classmethod
    def from_json(cls, key: str, data: Mapping[str, Any]) -> IntegrationRecord:
        """An integration from Codat's camelCase fields (`key` in the body, if any, must match)."""
        if data.get("key", key) != key:
            raise ValueError(f"body key {data.get('key')!r} does not match the path's {key!r}")
        features = data.get("datatypeFeatures")
        return cls(
            key=key,
            name=_typed(data, "name", str, key),
            enabled=_typed(data, "enabled", bool, False),
            source_type=_typed(data, "sourceType", str, "Accounting"),
            is_offline_connector=_typed(data, "isOfflineConnector", bool, False),
            is_beta=_typed(data, "isBeta", bool, False),
            data_provided_by=_typed(data, "dataProvidedBy", str, "Codat"),
            logo_url=_typed(data, "logoUrl", str, None),
            integration_id=_typed(data, "integrationId", str, ""),
            source_id=_typed(data, "sourceId", str, ""),
            datatype_features=tuple(features) if isinstance(features, list) else None,
        )


def _typed(data: Mapping[str, Any], name: str, kind: type, default: Any) -> Any:
    value = data.get(name, default)
    if value is not default and not isinstance(value, kind):
        raise ValueError(f"{name} must be a {kind.__name__}")
    return value


# The platforms a fresh stand-in knows, with keys from Codat's documentation. Like a new Codat
# client, only the Codat sandbox is enabled; everything else waits to be set up in the Portal.
DEFAULT_INTEGRATIONS: tuple[IntegrationRecord, ...] = (
    IntegrationRecord("mqjo", "Sandbox", enabled=True, source_type="Accounting"),
    IntegrationRecord("qhyg", "QuickBooks Online", source_type="Accounting"),
    IntegrationRecord("ndsk", "QuickBooks Online Sandbox", source_type="Accounting"),
    IntegrationRecord("pqsw", "QuickBooks Desktop", source_type="Accounting", is_offline_connector=True),
    IntegrationRecord("gbol", "Xero", source_type="Accounting"),
    IntegrationRecord("tgff", "Sage Business Cloud Accounting", source_type="Accounting"),
    IntegrationRecord("knfz", "Sage Intacct", source_type="Accounting"),
    IntegrationRecord("hbql", "Sage 50 (UK)", source_type="Accounting", is_offline_connector=True),
    IntegrationRecord("akxx", "Oracle NetSuite", source_type="Accounting"),
    IntegrationRecord("trji", "Dynamics 365 Business Central", source_type="Accounting"),
    IntegrationRecord("suuo", "Plaid", source_type="Banking", data_provided_by="Plaid"),
    IntegrationRecord("upvr", "TrueLayer", source_type="Banking", data_provided_by="TrueLayer"),
    IntegrationRecord("fztf", "Shopify", source_type="Commerce"),
    IntegrationRecord("exgd", "Stripe", source_type="Commerce"),
)


@dataclass
class Fault:
    """An answer forced onto the next `remaining` API calls, whatever they ask."""

    status: int
    remaining: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # None: Codat's ErrorMessage for `status`
    content_type: str = "application/json"
    message: str = ""


@dataclass(frozen=True)
class RecordedCall:
    """One API request the stand-in answered. The Authorization header is never kept."""

    method: str
    path: str
    query: str
    status: int
    authorized: bool
    time: float


class CodatState:
    """Integrations, queued faults and received calls behind one lock."""

    def __init__(self, integrations: Iterable[IntegrationRecord] | None = None) -> None:
        self._lock = threading.Condition()
        self._integrations: dict[str, IntegrationRecord] = {}
        self._faults: list[Fault] = []
        self._counts: Counter[str] = Counter()
        self._calls: list[RecordedCall] = []
        self.version = 0  # bumps on every change to the integrations (the sandbox page polls it)
        for record in DEFAULT_INTEGRATIONS if integrations is None else integrations:
            self._integrations[record.key] = record

    # -- integrations ----------------------------------------------------------------------------
    def put(self, record: IntegrationRecord) -> IntegrationRecord:
        with self._lock:
            self._integrations[record.key] = record
            self.version += 1
        return record

    def replace_all(self, records: Iterable[IntegrationRecord]) -> None:
        new = {r.key: r for r in records}
        with self._lock:
            self._integrations = new
            self.version += 1

    def remove(self, key: str) -> None:
        with self._lock:
            if self._integrations.pop(key, None) is None:
                raise KeyError(key)
            self.version += 1

    def set_enabled(self, key: str, enabled: bool) -> IntegrationRecord:
        with self._lock:
            record = replace(self._integrations[key], enabled=bool(enabled))
            self._integrations[key] = record
            self.version += 1
            return record

    def get(self, key: str) -> IntegrationRecord | None:
        with self._lock:
            return self._integrations.get(key)

    def all(self) -> list[IntegrationRecord]:
        with self._lock:
            return list(self._integrations.values())

    # -- faults ----------------------------------------------------------------------------------
    def queue_fault(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("a fault must apply to at least one call")
        with self._lock:
            self._faults.append(fault)

    def take_fault(self) -> Fault | None:
        """The fault for this call, if one is queued; faults apply in the order they were queued."""
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.pop(0)
            return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending_faults(self) -> int:
        """How many more calls will get a forced answer."""
        with self._lock:
            return sum(f.remaining for f in self._faults)

    # -- calls -----------------------------------------------------------------------------------
    def record(self, call: RecordedCall) -> None:
        with self._lock:
            self._calls.append(call)
            self._counts[call.path] += 1
            self._lock.notify_all()

    def count(self, path: str | None = None) -> int:
        with self._lock:
            return len(self._calls) if path is None else self._counts[path]

    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()
            self._counts.clear()

    def wait_for_count(self, path: str, count: int, timeout: float) -> int:
        """Block until `path` has at least `count` calls or `timeout` seconds pass; the count then."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._counts[path] < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(min(remaining, 0.1))
            return self._counts[path]
