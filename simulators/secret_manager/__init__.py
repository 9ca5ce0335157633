"""A Secret Manager emulator that the real ``google-cloud-secret-manager`` client talks to.

It serves ``google.cloud.secretmanager.v1.SecretManagerService`` over plaintext gRPC on a
loopback port, keeps everything in memory, and mimics the service's validation, status codes
and version semantics (see ``store.py`` and ``validation.py``), including the rules for rotation
schedules and topics on CreateSecret and UpdateSecret (mask paths labels, annotations, rotation,
topics). Not modelled: IAM policy RPCs but TestIamPermissions, locations, CMEK, firing rotations
(SECRET_ROTATE) and expiry, notifications, quotas.

In tests::

    from simulators.secret_manager import Emulator, client_for

    with Emulator(project_numbers={"my-proj": "123456789012"}) as emulator:
        client = client_for(emulator.address)
        secret = {"replication": {"automatic": {}}}
        client.create_secret(request={"parent": "projects/my-proj", "secret_id": "s", "secret": secret})
        emulator.inject_fault(grpc.StatusCode.UNAVAILABLE, method="AddSecretVersion")
        emulator.delay(1.0, method="AccessSecretVersion")
        emulator.permissions = {"secretmanager.secrets.create", "secretmanager.versions.add"}
        emulator.secrets(), emulator.versions(name), emulator.payloads(), emulator.calls
        client.transport.close()

Standalone, for running the bot locally against it::

    python -m simulators.secret_manager --port 8085 [--host 127.0.0.1] \\
        [--project-number my-proj=123456789012]

It prints the address it listens on (``127.0.0.1:8085``) as the first line of stdout and runs
until Ctrl-C or SIGTERM. ``--port 0`` picks a free port. Point a client at it with
``client_for("127.0.0.1:8085")``.
"""

from simulators.secret_manager.client import client_for
from simulators.secret_manager.server import METHODS, SERVICE, Emulator

__all__ = ["METHODS", "SERVICE", "Emulator", "client_for"]
