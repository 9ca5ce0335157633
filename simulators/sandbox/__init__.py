"""The local sandbox: `python app.py` with no Slack settings runs the bot against a Slack page."""

from simulators.sandbox.runner import Sandbox, SandboxError, run_sandbox

__all__ = ["Sandbox", "SandboxError", "run_sandbox"]
