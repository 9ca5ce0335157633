"""A local Codat for tests and the sandbox: the integrations part of Codat's Platform API on 127.0.0.1.

`CodatStandIn(api_key=...).start()` returns the base URL to use as CODAT_API_URL; see `server` for
the endpoints and `state` for the shapes.
"""

from simulators.codat.server import DEFAULT_API_KEY, CodatStandIn
from simulators.codat.state import DEFAULT_INTEGRATIONS, SOURCE_TYPES, IntegrationRecord, RecordedCall

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_INTEGRATIONS",
    "SOURCE_TYPES",
    "CodatStandIn",
    "IntegrationRecord",
    "RecordedCall",
]
