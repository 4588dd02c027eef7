"""The built-in receiver: named inboxes that accept any request, record it, and answer as the
test chose (a status, a delay, a script of answers for the next requests)."""

from __future__ import annotations

from typing import Any

from ..config import Config
from ..engine.chaos import Chaos
from ..model.paging import PageRequest
from ..model.types import Page, Record
from ..store import Storage

DEFAULT_BEHAVIOUR: Record = {"status": 200, "delayMs": 0, "body": "", "script": []}

# A read of an inbox returns messages up to this many bytes (stored size; always at least one).
PAGE_BYTES = 8 * 1024 * 1024


def _next_answer(behaviour: Record) -> tuple[Record, Record | None]:
    """The answer for one request, and the behaviour left after it when a scripted step was used."""
    script = list(behaviour.get("script") or [])
    if not script:
        return behaviour, None
    step = dict(script[0])
    times = int(step.get("times", 1))
    if times > 1:
        script[0] = step | {"times": times - 1}
    else:
        script.pop(0)
    return {**behaviour, **step}, behaviour | {"script": script}


class InboxService:
    def __init__(self, storage: Storage, config: Config, chaos_rules: Chaos) -> None:
        self._storage = storage
        self._chaos = chaos_rules
        self._max_messages = config.inbox_max_messages
        self._max_bytes = config.inbox_max_bytes

    def receive(self, name: str, message: Record) -> Record:
        """Record a message (the oldest go past the inbox's caps); returns the answer to give
        (`status`, `delayMs`, `body`)."""
        answer, remaining = _next_answer(self.behaviour(name))
        self._storage.inboxes.add_message(name, message, remaining, self._max_messages, self._max_bytes)
        return answer

    def behaviour(self, name: str) -> Record:
        return self._storage.inboxes.behaviour(name) or DEFAULT_BEHAVIOUR

    def set_behaviour(self, name: str, changes: dict[str, Any]) -> Record:
        behaviour = DEFAULT_BEHAVIOUR | changes
        self._storage.inboxes.set_behaviour(name, behaviour)
        return behaviour

    def messages(self, name: str, page: PageRequest) -> Page:
        return self._storage.inboxes.messages(name, page.offset, page.limit, PAGE_BYTES)

    def clear(self, name: str) -> None:
        """Forget the inbox's messages, behaviour and chaos rules."""
        self._storage.inboxes.clear(name)
        self._chaos.forget(inbox=name)
