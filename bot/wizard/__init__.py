"""The registration wizard: a five-step modal that saves a registration and its checklist.

A submission runs one way: `answers` → `steps` → `save` (storage) → `step_views`.

- `ids`: block, action and callback ids, the steps, private_metadata; `texts`: every text.
- `answers`: the edge — a submitted view's state as typed answers, one dataclass per step.
- `steps`: each step's decision — errors to show, or item statuses and answers to save;
  `mailbox`: the generic-mailbox rules; `credentials`: what goes into the vault, and storing it.
- `snapshot`: the read model (a registration as the wizard shows it), `default_environment`,
  `mailbox_applies`.
- `save`: what a step changes, written through storage.wizard_rows; resume or create; audit notes.
- `flow`: a modal submission, start to end; `opening`: opening and updating the modal after the ack.
- `views`: shared blocks, the picker, loading and closed views; `step_views`: steps 2–5, the DM.
- `runtime`: per-process locks and picker selections; `slack_calls`: Slack calls via the gateway.
"""
