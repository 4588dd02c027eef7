"""Chaos and faults for the test's user: outbound chaos rules for its deliveries (duplicates,
delays, reordering, failed first attempts, a seeded random mix) and inbound faults for its API
calls (429 with Retry-After, 5xx, delays, dropped connections), through `/_mock/chaos`,
`/_mock/faults` and `/_mock/rate-limit`. Everything here is scoped to the test's user (or one of
its webhooks or inboxes), so tests beside it are untouched, and the plugin's teardown drops it."""

from __future__ import annotations

from typing import Any

from .client import Call, Record
from .inbox import AsyncInbox, Inbox
from .operations import Op
from .session import Session, record_id


def chaos(
    session: Session,
    /,
    *,
    webhook: Record | str | None = None,
    inbox: Inbox | AsyncInbox | str | None = None,
    **rule: Any,
) -> Op[Record]:
    """Add an outbound chaos rule (`POST /_mock/chaos`) for the test user's dispatches, or only
    those of `webhook` or to `inbox`; the rule's fields use the API's names, e.g.
    `chaos(duplicate=True)`, `chaos(failFirst=2, failWith="timeout")`,
    `chaos(reorder={"order": ["ACTOR.RUN.SUCCEEDED", "ACTOR.RUN.CREATED"]})`,
    `chaos(seed=7, random={"duplicate": 0.5}, delaySecs={"min": 1, "max": 30})`. Returns the rule."""
    if webhook is not None:
        rule["webhookId"] = record_id(webhook)
    elif inbox is not None:
        rule["inbox"] = session.mailbox_of(inbox).full_name
    else:
        rule["userId"] = session.user_id
    answer = yield Call("POST", "/_mock/chaos", rule)
    created: Record = answer["data"]
    return created


def chaos_rules(session: Session) -> Op[list[Record]]:
    """The test user's chaos rules (its own and its webhooks'; an inbox's are the inbox's), each
    with `matched`: how many dispatches it applied to so far."""
    answer = yield Call("GET", "/_mock/chaos", params={"userId": session.user_id})
    rules: list[Record] = answer["data"]["items"]
    return rules


def clear_chaos(session: Session) -> Op[None]:
    """Remove the test user's chaos rules (the teardown does it too; `inbox.clear()` removes an
    inbox's)."""
    for rule in (yield from chaos_rules(session)):
        yield Call("DELETE", f"/_mock/chaos/{rule['id']}")


def fault(
    session: Session,
    /,
    fault: str,
    *,
    operation: str | None = None,
    method: str | None = None,
    path: str | None = None,
    times: int = 1,
    **fields: Any,
) -> Op[Record]:
    """Answer the test user's next `times` API requests to `operation` (an operationId, e.g.
    "webhooks_get"), or to `method` and `path` (a pattern: `/v2/actors/*/runs`), with `fault`:
    "rate-limit" (429 with `Retry-After`, `retryAfterSecs=` default 1), "http-500", "http-502",
    "http-503", "delay" (`delayMs=`) or "drop" (the connection closes without an answer)."""
    given = {"operationId": operation, "method": method, "path": path}
    body: Record = {key: value for key, value in given.items() if value is not None}
    body |= {"fault": fault, "times": times, "userId": session.user_id, **fields}
    answer = yield Call("POST", "/_mock/faults", body)
    created: Record = answer["data"]
    return created


def rate_limit(session: Session, /, enabled: bool = True) -> Op[Record]:
    """Enforce Apify's per-resource rate limits on the test user's requests (429
    `rate-limit-exceeded` above 60 per second per resource, 400 for run starts, counted in
    seconds of the emulator's clock), or stop."""
    answer = yield Call("PUT", "/_mock/rate-limit", {"enabled": enabled, "userId": session.user_id})
    state: Record = answer["data"]
    return state
