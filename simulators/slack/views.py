"""Views in the simulated workspace: Slack's checks on a view, the stored shape, each user's stack.

`ViewStore` keeps every user's modal stack (views.open / push / update) and App Home
(views.publish), sharing the workspace's lock and change counter.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from simulators.slack.state import SlackError, random_id

if TYPE_CHECKING:
    from simulators.slack.state import SlackWorkspace

MAX_MODAL_STACK = 3  # views.open plus two views.push
MAX_VIEW_BLOCKS = 100
MAX_MODAL_TEXT = 24  # title, submit and close
MAX_PRIVATE_METADATA = 3000
MAX_ID_LENGTH = 255  # callback_id and external_id
_NO_ACTION_ID = {"image"}  # accessories that are not interactive
# Fields Slack sets on a stored view; a view sent back (e.g. one captured earlier) cannot set them.
_SLACK_OWNED = {"id", "hash", "state", "team_id", "app_id", "bot_id", "app_installed_team_id"}
_SLACK_OWNED |= {"root_view_id", "previous_view_id"}


def iter_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for each element of input blocks, section accessories and actions blocks."""
    for block in blocks:
        kind = block.get("type")
        if kind == "input" and isinstance(block.get("element"), dict):
            yield block, block["element"]
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            yield block, block["accessory"]
        elif kind == "actions":
            for element in block.get("elements") or []:
                if isinstance(element, dict):
                    yield block, element


def view_errors(view: Any, kinds: tuple[str, ...]) -> list[str]:
    """The `response_metadata.messages` Slack would give for this view (empty when it is fine)."""
    if not isinstance(view, dict):
        return ["[ERROR] must be an object [json-pointer:/view]"]
    errors: list[str] = []
    kind = view.get("type")
    if kind not in kinds:
        errors.append(f"[ERROR] must be one of {list(kinds)} [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not all(isinstance(b, dict) and b.get("type") for b in blocks):
        return [*errors, "[ERROR] missing required field: blocks [json-pointer:/view]"]
    if kind == "modal":
        if not (view.get("title") or {}).get("text"):
            errors.append("[ERROR] missing required field: title [json-pointer:/view]")
        for key in ("title", "submit", "close"):
            text = (view.get(key) or {}).get("text") or ""
            if len(text) > MAX_MODAL_TEXT:
                pointer = f"/view/{key}/text"
                errors.append(
                    f"[ERROR] must be less than {MAX_MODAL_TEXT + 1} characters [json-pointer:{pointer}]"
                )
        if any(b["type"] == "input" for b in blocks) and not view.get("submit"):
            errors.append(
                "[ERROR] must provide a submit property when using input blocks [json-pointer:/view]"
            )
    if len(blocks) > MAX_VIEW_BLOCKS:
        errors.append(f"[ERROR] no more than {MAX_VIEW_BLOCKS} items allowed [json-pointer:/view/blocks]")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        block_id = block.get("block_id")
        if block_id in seen:
            errors.append(
                f"[ERROR] duplicate block_id `{block_id}` [json-pointer:/view/blocks/{index}/block_id]"
            )
        if block_id:
            seen.add(block_id)
    limits = {
        "private_metadata": MAX_PRIVATE_METADATA,
        "callback_id": MAX_ID_LENGTH,
        "external_id": MAX_ID_LENGTH,
    }
    for key, limit in limits.items():
        if len(str(view.get(key) or "")) > limit:
            errors.append(f"[ERROR] must be less than {limit + 1} characters [json-pointer:/view/{key}]")
    return errors


def carry_state(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Slack keeps typed input across views.update when block_id, action_id and type are unchanged."""
    kept = {(b.get("block_id"), e.get("action_id"), e.get("type")) for b, e in iter_elements(new["blocks"])}
    values: dict[str, dict[str, Any]] = {}
    for block_id, actions in (old.get("state") or {}).get("values", {}).items():
        for action_id, value in actions.items():
            if (block_id, action_id, value.get("type")) in kept:
                values.setdefault(block_id, {})[action_id] = value
    return {"values": values}


def _fill_ids(blocks: list[dict[str, Any]]) -> None:
    # Slack gives every block a block_id, and every interactive element an action_id, when missing.
    for block in blocks:
        block.setdefault("block_id", secrets.token_urlsafe(3))
    for _block, element in iter_elements(blocks):
        if element.get("type") not in _NO_ACTION_ID:
            element.setdefault("action_id", secrets.token_urlsafe(3))


class ViewStore:
    """Each user's modal stack and App Home, as the views.* methods see them."""

    def __init__(self, workspace: SlackWorkspace) -> None:
        self._ws = workspace
        self._views: dict[str, dict[str, Any]] = {}
        self._owner: dict[str, str] = {}
        self._external_ids: dict[str, str] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}

    def open(self, trigger_id: str | None, view: dict[str, Any]) -> dict[str, Any]:
        """views.open: a new modal replaces whatever stack the user had open."""
        _check(view, ("modal",))
        with self._ws.lock:
            user_id = self._ws.consume_trigger(trigger_id)
            self._check_external_id(view, None)
            self.clear(user_id)
            stored = self._store(user_id, view, root_id=None, previous_id=None)
            self._stacks[user_id] = [stored["id"]]
            self._ws.mark_changed()
            return copy.deepcopy(stored)

    def push(self, trigger_id: str | None, view: dict[str, Any]) -> dict[str, Any]:
        """views.push: at most MAX_MODAL_STACK views; with nothing open it opens a root modal."""
        _check(view, ("modal",))
        with self._ws.lock:
            user_id = self._ws.consume_trigger(trigger_id)
            stack = self._stacks.setdefault(user_id, [])
            if len(stack) >= MAX_MODAL_STACK:
                raise SlackError("push_limit_reached")
            self._check_external_id(view, None)
            previous = stack[-1] if stack else None
            stored = self._store(user_id, view, root_id=stack[0] if stack else None, previous_id=previous)
            stack.append(stored["id"])
            self._ws.mark_changed()
            return copy.deepcopy(stored)

    def update(
        self,
        view: dict[str, Any],
        *,
        view_id: str | None = None,
        external_id: str | None = None,
        hash: str | None = None,
    ) -> dict[str, Any]:
        """views.update by id or external_id; a given hash must be the newest (else hash_conflict)."""
        with self._ws.lock:
            current = self._views.get(view_id or self._external_ids.get(external_id or "") or "")
            if current is None:
                raise SlackError("not_found")
            _check(view, (current["type"],))
            if hash is not None and hash != current["hash"]:
                raise SlackError("hash_conflict")
            self._check_external_id(view, current["id"])
            return self._replace(current, view)

    def publish(self, user_id: str, view: dict[str, Any], hash: str | None = None) -> dict[str, Any]:
        """views.publish: the user's App Home keeps its view id; each publish gets a new hash."""
        _check(view, ("home",))
        with self._ws.lock:
            self._ws.user(user_id)
            current = self._views.get(self._homes.get(user_id, ""))
            if current is None:
                stored = self._store(user_id, view, root_id=None, previous_id=None)
                self._homes[user_id] = stored["id"]
                self._ws.mark_changed()
                return copy.deepcopy(stored)
            if hash is not None and hash != current["hash"]:
                raise SlackError("hash_conflict")
            return self._replace(current, view)

    def set_state(self, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Record what the user typed (state.values), as the sandbox page does."""
        with self._ws.lock:
            view = self._views.get(view_id)
            if view is None:
                raise SlackError("not_found")
            view["state"] = {"values": copy.deepcopy(values)}
            self._ws.mark_changed()
            return copy.deepcopy(view)

    def close(self, user_id: str, view_id: str | None = None) -> list[dict[str, Any]]:
        """Close the top modal (or `view_id` and every view above it); returns the closed views."""
        with self._ws.lock:
            stack = self._stacks.get(user_id, [])
            if not stack:
                return []
            cut = stack.index(view_id) if view_id in stack else len(stack) - 1
            closed = [self._forget(v) for v in stack[cut:]]
            del stack[cut:]
            self._ws.mark_changed()
            return closed

    def clear(self, user_id: str) -> list[dict[str, Any]]:
        """Close the user's whole modal stack (response_action "clear", or a new views.open)."""
        with self._ws.lock:
            closed = [self._forget(v) for v in self._stacks.pop(user_id, [])]
            if closed:
                self._ws.mark_changed()
            return closed

    def get(self, view_id: str) -> dict[str, Any] | None:
        with self._ws.lock:
            view = self._views.get(view_id)
            return copy.deepcopy(view) if view else None

    def owner(self, view_id: str) -> str | None:
        """The user a view is shown to."""
        with self._ws.lock:
            return self._owner.get(view_id)

    def for_user(self, user_id: str) -> dict[str, Any]:
        """{"current": the top modal or None, "stack": the modals, bottom to top}."""
        with self._ws.lock:
            stack = [copy.deepcopy(self._views[v]) for v in self._stacks.get(user_id, [])]
            return {"current": stack[-1] if stack else None, "stack": stack}

    def home(self, user_id: str) -> dict[str, Any] | None:
        with self._ws.lock:
            return self.get(self._homes.get(user_id, ""))

    def _build(self, view: dict[str, Any], view_id: str) -> dict[str, Any]:
        body = {k: copy.deepcopy(v) for k, v in view.items() if k not in _SLACK_OWNED}
        _fill_ids(body["blocks"])
        defaults: dict[str, Any] = {"private_metadata": "", "callback_id": "", "external_id": ""}
        if body["type"] == "modal":
            defaults |= {"close": None, "submit": None, "clear_on_close": False, "notify_on_close": False}
        ws = self._ws
        return {
            "id": view_id,
            "team_id": ws.team_id,
            **defaults,
            **body,
            "state": {"values": {}},
            "hash": f"{int(ws.now())}.{secrets.token_hex(4)}",
            "app_id": ws.app_id,
            "app_installed_team_id": ws.team_id,
            "bot_id": ws.bot_id,
        }

    def _store(
        self, user_id: str, view: dict[str, Any], *, root_id: str | None, previous_id: str | None
    ) -> dict[str, Any]:
        view_id = random_id("V")
        stored = self._build(view, view_id)
        stored["root_view_id"] = root_id or view_id
        stored["previous_view_id"] = previous_id
        self._views[view_id] = stored
        self._owner[view_id] = user_id
        if stored["external_id"]:
            self._external_ids[stored["external_id"]] = view_id
        return stored

    def _replace(self, current: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
        replacement = self._build(view, current["id"])
        replacement["root_view_id"] = current.get("root_view_id")
        replacement["previous_view_id"] = current.get("previous_view_id")
        replacement["state"] = carry_state(current, replacement)
        replacement["external_id"] = (
            replacement["external_id"] or current["external_id"]
        )  # kept unless changed
        if current["external_id"] and current["external_id"] != replacement["external_id"]:
            self._external_ids.pop(current["external_id"], None)
        if replacement["external_id"]:
            self._external_ids[replacement["external_id"]] = current["id"]
        self._views[current["id"]] = replacement
        self._ws.mark_changed()
        return copy.deepcopy(replacement)

    def _forget(self, view_id: str) -> dict[str, Any]:
        view = self._views.pop(view_id)
        self._owner.pop(view_id, None)
        if view["external_id"]:
            self._external_ids.pop(view["external_id"], None)
        return view

    def _check_external_id(self, view: dict[str, Any], own_view_id: str | None) -> None:
        holder = self._external_ids.get(view.get("external_id") or "")
        if holder is not None and holder != own_view_id:
            raise SlackError("duplicate_external_id")


def _check(view: Any, kinds: tuple[str, ...]) -> None:
    errors = view_errors(view, kinds)
    if errors:
        raise SlackError("invalid_arguments", errors)
