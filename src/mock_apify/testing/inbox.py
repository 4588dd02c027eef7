"""Inboxes of the emulator's built-in receiver: what one received (`Message`, grouped per dispatch
as `Delivery`), its operations (`Mailbox`), and its two views, `Inbox` and `AsyncInbox`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .client import Call, Record
from .operations import AsyncView, Op, SyncView, every_item, operation


@dataclass(frozen=True)
class Message:
    """One request an inbox received, decoded."""

    received_at: str
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: str
    #: The body parsed as JSON, or None when it is empty or not JSON.
    json: Any = None
    #: `eventType` of a JSON object body (what Apify's default payload carries), else None.
    event_type: str | None = None
    #: `X-Apify-Webhook-Dispatch-Id` and `X-Apify-Webhook`: set on deliveries of dispatches.
    dispatch_id: str | None = None
    webhook_id: str | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Message:
        headers = {str(k): str(v) for k, v in (item.get("headers") or {}).items()}
        body = str(item.get("body") or "")
        parsed = _parsed(body)
        event_type = parsed.get("eventType") if isinstance(parsed, dict) else None
        lower = {k.lower(): v for k, v in headers.items()}
        return cls(
            received_at=str(item.get("receivedAt")),
            method=str(item.get("method")),
            path=str(item.get("path")),
            query=dict(item.get("query") or {}),
            headers=headers,
            body=body,
            json=parsed,
            event_type=event_type if isinstance(event_type, str) else None,
            dispatch_id=lower.get("x-apify-webhook-dispatch-id"),
            webhook_id=lower.get("x-apify-webhook"),
        )

    def header(self, name: str) -> str | None:
        """A header's value, looked up case-insensitively."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


def _parsed(body: str) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


@dataclass(frozen=True)
class Delivery:
    """The requests one dispatch made to an inbox: its first attempt and any retries. A request
    without a dispatch id (posted by the test itself) is a delivery of its own."""

    dispatch_id: str | None
    webhook_id: str | None
    event_type: str | None
    attempts: tuple[Message, ...]

    @property
    def json(self) -> Any:
        """The parsed body (the same for every attempt of a dispatch)."""
        return self.attempts[-1].json

    @property
    def body(self) -> str:
        return self.attempts[-1].body


def deliveries(messages: Iterable[Message]) -> list[Delivery]:
    """Messages grouped per dispatch, in the order of each dispatch's first attempt."""
    groups: dict[str | int, list[Message]] = {}
    for message in messages:  # a message from no dispatch is a group of its own
        groups.setdefault(message.dispatch_id or id(message), []).append(message)
    return [
        Delivery(attempts[0].dispatch_id, attempts[0].webhook_id, attempts[0].event_type, tuple(attempts))
        for attempts in groups.values()
    ]


@dataclass(frozen=True)
class Mailbox:
    """One inbox on the emulator (`name` as the test chose it, `full_name` namespaced per test),
    and its operations."""

    name: str
    full_name: str
    base_url: str

    @property
    def path(self) -> str:
        return "/_mock/inboxes/" + self.full_name

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def messages(self) -> Op[list[Message]]:
        """Every request received so far, oldest first (retries included)."""
        items = yield from every_item(self.path)
        return [Message.from_item(item) for item in items]

    def deliveries(self, event_type: str | None = None) -> Op[list[Delivery]]:
        """What arrived, one entry per dispatch (its retries are its `attempts`), optionally only
        those of one event type."""
        found = deliveries((yield from self.messages()))
        return [d for d in found if event_type is None or d.event_type == event_type]

    def set_behaviour(
        self,
        status: int | None = None,
        *,
        delay_ms: int | None = None,
        body: str | None = None,
        script: Sequence[int | Mapping[str, Any]] = (),
    ) -> Op[Record]:
        """Set how the inbox answers (PUT /_mock/inboxes/{name}); what is left out takes the
        default (200, no delay, empty body). `script` lists answers used first, in order: an int is
        one answer with that status, a mapping may give `status`, `times`, `delay_ms` (or
        `delayMs`) and `body`. E.g. `script=[500, 500]` fails twice, then answers `status`."""
        given = {"status": status, "delayMs": delay_ms, "body": body, "script": [_answer(s) for s in script]}
        behaviour = {key: value for key, value in given.items() if value not in (None, [])}
        answer = yield Call("PUT", self.path, behaviour)
        data: Record = answer["data"]["behaviour"]
        return data

    def behaviour(self) -> Op[Record]:
        """How the inbox answers now (a script shrinks as it is used)."""
        answer = yield Call("GET", self.path, params={"limit": 1})
        data: Record = answer["data"]["behaviour"]
        return data

    def clear(self) -> Op[None]:
        """Forget the inbox's messages and behaviour."""
        yield Call("DELETE", self.path)


def _answer(step: int | Mapping[str, Any]) -> Record:
    if isinstance(step, int):
        return {"status": step}
    renamed = {"delay_ms": "delayMs"}
    return {renamed.get(key, key): value for key, value in step.items()}


class _InboxApi:
    """What both views of an inbox have: its operations, names and address."""

    _state: Mailbox

    messages = operation(Mailbox.messages)
    deliveries = operation(Mailbox.deliveries)
    set_behaviour = operation(Mailbox.set_behaviour)
    behaviour = operation(Mailbox.behaviour)
    clear = operation(Mailbox.clear)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.url}>"

    @property
    def name(self) -> str:
        """The name the test chose."""
        return self._state.name

    @property
    def full_name(self) -> str:
        """The emulator-wide name: the test's namespace, then the name."""
        return self._state.full_name

    @property
    def url(self) -> str:
        """The address to give a webhook as `requestUrl`."""
        return self._state.url

    @property
    def mailbox(self) -> Mailbox:
        """The inbox itself, which every view of it shares."""
        return self._state


class Inbox(_InboxApi, SyncView[Mailbox]):
    """A named inbox of the emulator's built-in receiver, private to one test.

    Use `url` as a webhook's `requestUrl`; read what arrived with `messages()` (every request) or
    `deliveries()` (grouped per dispatch); choose the answers with `set_behaviour()`."""

    _member = ".inbox(...)"

    def __init__(self, mailbox: Mailbox) -> None:
        super().__init__(mailbox, mailbox.base_url)


class AsyncInbox(_InboxApi, AsyncView[Mailbox]):
    """An `Inbox` whose calls are coroutines; `sync` is the same inbox's blocking view."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__(inbox.mailbox, inbox.mailbox.base_url)
        self.sync = inbox
