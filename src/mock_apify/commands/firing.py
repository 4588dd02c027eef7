"""Making a webhook event really happen in an emulator, over its API: a webhook on an Actor, then
a run or build that ends the way the event says (aborted through the abort endpoint, resurrected
through the resurrect endpoint), or a TEST event about a finished run. The emulator's scheduler
fires the event and its dispatcher delivers it, as it would any other."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..testing import MockApify, MockApifyError

Record = dict[str, Any]

RUN, BUILD = "run", "build"
# Each event type of Apify's, and the status its job's behaviour ends with (None: aborted by hand).
_ENDINGS: dict[str, str | None] = {
    "CREATED": "SUCCEEDED",
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "TIMED_OUT": "TIMED-OUT",
    "ABORTED": None,
}
RUN_EVENTS = (*(f"ACTOR.RUN.{name}" for name in _ENDINGS), "ACTOR.RUN.RESURRECTED")
BUILD_EVENTS = tuple(f"ACTOR.BUILD.{name}" for name in _ENDINGS)
EVENT_TYPES = (*RUN_EVENTS, *BUILD_EVENTS, "TEST")
# A job's end is awaited in steps of this many seconds (the API's waitForFinish), this many times.
_WAIT_STEP, _WAIT_STEPS = 30, 10


@dataclass(frozen=True)
class Fired:
    """What made the event: the job (a run or a build), the webhook and, for TEST, the dispatch."""

    kind: str
    job: Record
    webhook: Record
    dispatch: Record | None = None


def connect(url: str, token: str) -> MockApify:
    """The pytest handle, as the token's user (the default user unless `--token` says otherwise)."""
    anonymous = MockApify(url, {"id": "", "username": "", "token": token})
    me = anonymous.request("GET", "/v2/users/me")["data"]
    return MockApify(url, {"id": me["id"], "username": me["username"], "token": token})


def actor(handle: MockApify, name: str) -> Record:
    """The token's user's Actor called `name`, made when there is none."""
    try:
        found: Record = handle.request("GET", f"/v2/actors/~{name}")["data"]
    except MockApifyError as error:
        if error.status != 404:
            raise
        return handle.add_actor(name)
    return found


def add_webhook(handle: MockApify, actor_id: str, event_type: str, url: str, fields: Record) -> Record:
    """A webhook on the Actor for `event_type` (a TEST event is heard by any), calling `url`."""
    listens = "ACTOR.RUN.SUCCEEDED" if event_type == "TEST" else event_type
    return handle.add_webhook(url, listens, actor=actor_id, **fields)


def kind_of(event_type: str) -> str:
    return BUILD if event_type.startswith("ACTOR.BUILD.") else RUN


def job_behaviour(event_type: str, extra: Record) -> Record:
    """How the job ends for `event_type`: its status, exit code and `extra` (items, statusMessage)."""
    ending = _ENDINGS.get(event_type.rsplit(".", 1)[-1], "SUCCEEDED")
    behaviour: Record = {"status": ending} | extra
    if ending == "FAILED":
        behaviour["exitCode"] = 1
    return behaviour


@contextmanager
def _behaviour(handle: MockApify, actor_id: str, kind: str, behaviour: Record) -> Iterator[None]:
    """The Actor's `kind` jobs end as `behaviour` while the event is made; then as before."""
    path = f"/_mock/actors/{actor_id}/behaviour"
    shown: Record = handle.request("GET", path, auth=False)["data"]
    before = {key: shown[key] for key in (RUN, BUILD) if key in shown}
    handle.request("PUT", path, before | {kind: behaviour}, auth=False)
    try:
        yield
    finally:
        handle.request("PUT", path, before, auth=False)


def fire(
    handle: MockApify, actor_id: str, event_type: str, extra: Record, webhook: Callable[[], Record]
) -> Fired:
    """Make `event_type` happen to the Actor, heard by the webhook `webhook()` makes: before the
    job starts (so that a CREATED event is heard too), or for TEST once its run has ended (so
    that it hears only the TEST). `extra` goes into the job's behaviour (a run's `items`, say)."""
    kind = kind_of(event_type)
    with _behaviour(handle, actor_id, kind, job_behaviour(event_type, extra)):
        if event_type == "TEST":
            run = finished(handle, RUN, handle.start_run(actor_id))
            hook = webhook()
            return Fired(RUN, run, hook, handle.test_webhook(hook))
        hook = webhook()
        job = _start(handle, kind, actor_id)
        if event_type.endswith(".ABORTED"):
            job = handle.request("POST", f"/v2/actor-{kind}s/{job['id']}/abort")["data"]
        elif event_type == "ACTOR.RUN.RESURRECTED":
            finished(handle, RUN, job)
            job = handle.request("POST", f"/v2/actor-runs/{job['id']}/resurrect")["data"]
    return Fired(kind, job, hook)


def _start(handle: MockApify, kind: str, actor_id: str) -> Record:
    if kind == RUN:
        return handle.start_run(actor_id)
    build: Record = handle.request("POST", f"/v2/actors/{actor_id}/builds")["data"]
    return build


def finished(handle: MockApify, kind: str, job: Record) -> Record:
    """The job once it has ended (each wait is the API's `waitForFinish`, as clients wait)."""
    for _ in range(_WAIT_STEPS):
        params = {"waitForFinish": _WAIT_STEP}
        job = handle.request("GET", f"/v2/actor-{kind}s/{job['id']}", params=params)["data"]
        if job["finishedAt"] is not None:
            return job
    raise TimeoutError(f"the {kind} {job['id']} did not end within {_WAIT_STEP * _WAIT_STEPS} s")


def follow(
    handle: MockApify,
    webhook_id: str,
    expected: int,
    within: float,
    on_call: Callable[[Record, Record], None] = lambda dispatch, call: None,
) -> list[Record]:
    """The webhook's dispatches once `expected` of them exist and all have ended, oldest first;
    `on_call(dispatch, call)` sees each call as it is recorded. Gives up after `within` seconds,
    returning them as they are."""
    seen: dict[str, int] = {}
    deadline, pause = time.monotonic() + within, 0.02
    while True:
        dispatches = [handle.dispatch(d) for d in handle.dispatches(webhook_id)]
        for dispatch in dispatches:
            for call in dispatch["calls"][seen.get(dispatch["id"], 0) :]:
                on_call(dispatch, call)
            seen[dispatch["id"]] = len(dispatch["calls"])
        ended = all(d["status"] != "ACTIVE" for d in dispatches)
        if (len(dispatches) >= expected and ended) or time.monotonic() > deadline:
            return dispatches
        time.sleep(pause)
        pause = min(pause * 1.5, 0.5)


def milliseconds(call: dict[str, Any]) -> int:
    """How long an attempt took, by the emulator's clock."""
    started, ended = (datetime.fromisoformat(call[key]) for key in ("startedAt", "finishedAt"))
    return round((ended - started).total_seconds() * 1000)


def answered_2xx(call: Record) -> bool:
    """Whether the receiver answered with a 2xx: the only success Apify knows."""
    status = call["responseStatus"]
    return status is not None and 200 <= status < 300
