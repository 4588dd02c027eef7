"""Assertions on what reached an inbox or was dispatched to any URL, and the failure messages that explain a near miss: what
did arrive, and, when too little did, why (the webhooks pointing at the inbox, the event types
they listen to, their dispatches and the last answer each got)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .client import Record
from .inbox import AsyncInbox, Delivery, Inbox, Mailbox, deliveries
from .operations import Op
from .session import Session

_EXCERPT = 160
_LISTED = 20


def assert_delivered(
    session: Session,
    /,
    inbox: Inbox | AsyncInbox | str,
    event_type: str | None = None,
    *,
    times: int = 1,
    payload: Any = None,
) -> Op[list[Delivery]]:
    """Settle, then assert that exactly `times` deliveries of `event_type` (any type when None)
    reached `inbox` (an Inbox or an inbox name), and return them.

    A delivery is one dispatch: its retries count once (see `Delivery.attempts`). With
    `payload`, only deliveries whose JSON body *contains* it count: every key it gives must be
    in the body with a matching value, recursively in objects; lists must have the same length,
    their items matched the same way; other values must be equal. So a whole body also works.
    On failure the message shows what did arrive and, when too few did, why: the webhooks
    pointing at the inbox, the event types they listen to, and their dispatches."""
    __tracebackhide__ = True
    box = session.mailbox_of(inbox)
    arrived = deliveries((yield from session.settle_reading(box)))
    found = [d for d in arrived if event_type is None or d.event_type == event_type]
    matching = found if payload is None else [d for d in found if _mismatch(payload, d.json) is None]
    if len(matching) == times:
        return matching
    what = f"of {event_type!r}" if event_type else "(any event type)"
    lines = [
        f"expected {_count(times, 'delivery')} {what} to inbox {box.name!r}"
        + (" with the given payload" if payload is not None else "")
        + f", got {len(matching)}."
    ]
    if payload is not None and found:
        lines.append(f"{_count(len(found), 'delivery')} {what} arrived but did not match the payload:")
        lines += [f"  - {_describe(d)}: {_mismatch(payload, d.json)}" for d in found if d not in matching]
    lines += _arrived_lines(box.name, arrived)
    if len(found) < times:
        lines += yield from _why_not(session, box, event_type)
    raise AssertionError("\n".join(lines))


def assert_not_delivered(
    session: Session, /, inbox: Inbox | AsyncInbox | str, event_type: str | None = None
) -> Op[None]:
    """Settle, then assert that nothing of `event_type` (nothing at all when None) reached the
    inbox; the failure message lists what did, and which webhook sent it."""
    __tracebackhide__ = True
    box = session.mailbox_of(inbox)
    arrived = deliveries((yield from session.settle_reading(box)))
    found = [d for d in arrived if event_type is None or d.event_type == event_type]
    if not found:
        return
    what = f"of {event_type!r}" if event_type else "at all"
    lines = [f"expected no delivery {what} to inbox {box.name!r}, got {len(found)}:"]
    hooks = {hook["id"]: hook for hook in (yield from session.webhooks())}
    for delivery in found:
        line = f"  - {_describe(delivery)}"
        if hook := hooks.get(delivery.webhook_id or ""):
            line += f"; sent by webhook {hook['id']} listening to {hook['eventTypes']} ({_condition(hook)})"
        lines.append(line)
    raise AssertionError("\n".join(lines))


def assert_dispatched(
    session: Session,
    /,
    target: Record | Inbox | AsyncInbox | str,
    event_type: str | None = None,
    *,
    statuses: Sequence[int | None] | None = None,
    times: int = 1,
    payload: Any = None,
) -> Op[list[Record]]:
    """Settle, then assert that exactly `times` dispatches of `event_type` (any type when None) went
    to `target`, and return them (with their `calls`). For endpoints of your own, where
    `assert_delivered` cannot look: `target` is a webhook (its record or id), or a URL (a string
    with `://`, or an Inbox), matched against every dispatch's `webhook.requestUrl`, ad-hoc
    webhooks included.

    With `statuses`, only dispatches whose calls were answered with exactly these statuses, in
    order, count: `[500, 200]` is a failure and a retry that succeeded (a call that got no answer,
    a timeout say, shows as None). With `payload`, only dispatches that *contain* it count, matched
    as in `assert_delivered` against the dispatch as the log shows it (`eventType`, `eventData`,
    `webhook`, ...): the log keeps no body. On failure the message shows every dispatch to the
    target with its calls and answers and, when too few matched, the webhooks pointing there."""
    __tracebackhide__ = True
    yield from session.settle()
    url, webhook_id = _target(target)
    everything = yield from session.dispatches()
    towards = [d for d in everything if _dispatched_to(d, url, webhook_id)]
    found = [d for d in towards if event_type is None or d.get("eventType") == event_type]
    matching = [d for d in found if _dispatch_mismatch(d, statuses, payload) is None]
    if len(matching) == times:
        return matching
    lines = [
        _expected_dispatches(times, event_type, url or f"webhook {webhook_id}", statuses, payload, matching)
    ]
    lines += [
        f"  - {_dispatch_line(d)}: {_dispatch_mismatch(d, statuses, payload)}"
        for d in found
        if d not in matching
    ]
    lines += _dispatched_lines(url or f"webhook {webhook_id}", towards)
    if len(matching) < times:
        lines += yield from _why_not_dispatched(session, url, webhook_id, event_type)
    raise AssertionError("\n".join(lines))


def _target(target: Record | Inbox | AsyncInbox | str) -> tuple[str | None, str | None]:
    """(URL, None) for an address or an inbox, (None, webhook id) for a webhook."""
    if isinstance(target, Inbox | AsyncInbox):
        return target.url, None
    if isinstance(target, str):
        return (target, None) if "://" in target else (None, target)
    return None, str(target["id"])


def _dispatched_to(dispatch: Record, url: str | None, webhook_id: str | None) -> bool:
    if webhook_id is not None:
        return dispatch.get("webhookId") == webhook_id
    return _same_url(str((dispatch.get("webhook") or {}).get("requestUrl")), str(url))


def _answers(dispatch: Mapping[str, Any]) -> list[int | None]:
    return [call.get("responseStatus") for call in dispatch.get("calls") or []]


def _dispatch_mismatch(dispatch: Record, statuses: Sequence[int | None] | None, payload: Any) -> str | None:
    if statuses is not None and _answers(dispatch) != list(statuses):
        return f"its calls were answered {_answers(dispatch)}, expected {list(statuses)}"
    return None if payload is None else _mismatch(payload, dispatch, "dispatch")


def _expected_dispatches(
    times: int, event_type: str | None, where: str, statuses: Any, payload: Any, matching: list[Record]
) -> str:
    what = f"of {event_type!r}" if event_type else "(any event type)"
    conditions = [f"calls answered {list(statuses)}"] if statuses is not None else []
    conditions += ["the given payload"] if payload is not None else []
    given = f" with {' and '.join(conditions)}" if conditions else ""
    return f"expected {_count(times, 'dispatch')} {what} to {where}{given}, got {len(matching)}."


def _dispatched_lines(where: str, towards: list[Record]) -> list[str]:
    if not towards:
        return [f"No dispatch went to {where}."]
    lines = [f"{_count(len(towards), 'dispatch')} went to {where}:"]
    lines += [f"  - {_dispatch_line(d)}" for d in towards[-_LISTED:]]
    return lines


def _why_not_dispatched(
    session: Session, url: str | None, webhook_id: str | None, event_type: str | None
) -> Op[list[str]]:
    hooks = yield from session.webhooks()
    if webhook_id is not None:
        pointing = [h for h in hooks if h["id"] == webhook_id]
        if not pointing:
            return [f"Why: the test user has no webhook {webhook_id}."]
    else:
        pointing = [h for h in hooks if _same_url(str(h.get("requestUrl")), str(url))]
        if not pointing:
            return [f"Why: no webhook points at {url}.", *_elsewhere(hooks)]
    dispatches = yield from session.dispatches()
    lines = ["Why: the webhooks pointing there:"]
    for hook in pointing:
        own = [d for d in dispatches if d.get("webhookId") == hook["id"]]
        lines += _webhook_lines(hook, own, event_type)
    return lines


def _mismatch(expected: Any, actual: Any, where: str = "body") -> str | None:
    """Where `actual` fails to contain `expected` (see `assert_delivered`), or None."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return f"{where} is {_short(actual)}, expected an object"
        for key, value in expected.items():
            if key not in actual:
                return f"{where}.{key} is missing"
            if problem := _mismatch(value, actual[key], f"{where}.{key}"):
                return problem
        return None
    if isinstance(expected, list | tuple):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{where} is {_short(actual)}, expected {_short(expected)}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            if problem := _mismatch(want, got, f"{where}[{index}]"):
                return problem
        return None
    if expected == actual and isinstance(actual, bool) == isinstance(expected, bool):
        return None
    return f"{where} is {_short(actual)}, expected {_short(expected)}"


# --- why: what arrived, and what the webhooks pointing at the inbox did -----------------------


def _arrived_lines(name: str, everything: list[Delivery]) -> list[str]:
    if not everything:
        return [f"Inbox {name!r} received nothing."]
    attempts = sum(len(d.attempts) for d in everything)
    counted = f"{_count(len(everything), 'delivery')} ({_count(attempts, 'request')})"
    lines = [f"Inbox {name!r} received {counted}:"]
    lines += [f"  - {_describe(d)}" for d in everything[:_LISTED]]
    if len(everything) > _LISTED:
        lines.append(f"  … and {len(everything) - _LISTED} more")
    return lines


def _why_not(session: Session, box: Mailbox, event_type: str | None) -> Op[list[str]]:
    lines: list[str] = []
    settled = session.last_settle
    if settled is not None and not settled.get("settled"):
        lines.append(
            f"settle() did not finish: {settled.get('pending')} dispatch(es) still pending "
            "(a receiver slower than the time limit?)."
        )
    hooks = yield from session.webhooks()
    pointing = [h for h in hooks if _same_url(str(h.get("requestUrl")), box.url)]
    if not pointing:
        return lines + _pointing_elsewhere(box, hooks)
    dispatches = yield from session.dispatches()
    lines.append("Why: the webhooks pointing at this inbox:")
    for hook in pointing:
        own = [d for d in dispatches if d.get("webhookId") == hook["id"]]
        lines += _webhook_lines(hook, own, event_type)
    return lines


def _pointing_elsewhere(box: Mailbox, hooks: list[Record]) -> list[str]:
    return [f"Why: no webhook points at this inbox ({box.url}).", *_elsewhere(hooks)]


def _elsewhere(hooks: list[Record]) -> list[str]:
    if not hooks:
        return ["The test user has no webhooks at all."]
    lines = ["The test user's webhooks point elsewhere:"]
    return lines + [
        f"  - webhook {h['id']} → {h.get('requestUrl')} {h.get('eventTypes')}" for h in hooks[:10]
    ]


def _webhook_lines(hook: Record, dispatches: list[Record], event_type: str | None) -> list[str]:
    """One webhook pointing at the inbox: what it listens to, and its latest dispatches."""
    events = list(hook.get("eventTypes") or [])
    head = f"webhook {hook['id']} listens to {events}"
    if event_type == "TEST":
        head += " (TEST comes only from its /test endpoint)"
    elif event_type is not None and event_type not in events:
        head += f", not {event_type!r}"
    if hook.get("isEnabled") is False:
        head += " (disabled)"
    lines = [f"  - {head}; {_condition(hook)}"]
    if not dispatches:
        return [*lines, "      no dispatch was made to it"]
    if event_type is not None and not any(d.get("eventType") == event_type for d in dispatches):
        lines.append(f"      no {event_type!r} dispatch was made to it")
    return lines + [f"      dispatch {_dispatch_line(d)}" for d in dispatches[-10:]]


# --- how things are shown ---------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    plural = "deliveries" if noun == "delivery" else noun + ("es" if noun.endswith("h") else "s")
    return f"{n} {noun if n == 1 else plural}"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT else flat[: _EXCERPT - 1] + "…"


def _short(value: Any) -> str:
    return _excerpt(json.dumps(value, default=str))


def _describe(delivery: Delivery) -> str:
    kind = delivery.event_type or "(no eventType)"
    source = f"dispatch {delivery.dispatch_id}" if delivery.dispatch_id else "not from a dispatch"
    body = _excerpt(delivery.body) if delivery.body else "(empty body)"
    return f"{kind}, {source}, {_count(len(delivery.attempts), 'attempt')}, body {body}"


def _condition(hook: Mapping[str, Any]) -> str:
    condition = hook.get("condition") or {}
    return "condition " + ", ".join(f"{k}={v}" for k, v in condition.items()) if condition else "no condition"


def _dispatch_line(dispatch: Mapping[str, Any]) -> str:
    calls = dispatch.get("calls") or []
    line = f"{dispatch.get('id')} {dispatch.get('eventType')} {dispatch.get('status')}, {_count(len(calls), 'call')}"
    if len(calls) > 1:
        line += f" answered {_answers(dispatch)}"
    if calls:
        last = calls[-1]
        if last.get("errorMessage"):
            answer = f"error {_excerpt(str(last['errorMessage']))}"
        else:
            answer = f"{last.get('responseStatus')} {_excerpt(str(last.get('responseBody') or ''))!r}"
        line += f", last call: {answer} at {last.get('startedAt')}"
    injected = [str(entry.get("fault")) for call in calls for entry in call.get("injected") or []]
    if injected:
        line += f"; injected by chaos: {', '.join(injected)}"
    return line


def _same_url(a: str, b: str) -> bool:
    return a.split("?", 1)[0].split("#", 1)[0].rstrip("/") == b.rstrip("/")
