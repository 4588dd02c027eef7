"""Fuzzing every operation of our OpenAPI document with Schemathesis, against a real emulator.

For every request Schemathesis makes from the document (the document's examples, its coverage
cases, then generated valid and invalid data: mode "all"), the emulator must answer

- with no 5xx (`not_a_server_error`),
- with a status code the document lists for the operation (`status_code_conformance`),
- with a documented Content-Type and a body matching the documented schema
  (`content_type_conformance`, `response_schema_conformance`),
- and, for every 4xx and 5xx, with exactly Apify's envelope:
  `{"error": {"type": str, "message": str[, "data": object]}}`.

The tests:

- `test_fuzz`: every operation but `POST /_mock/reset`, on one emulator shared by the module.
- `test_fuzz_compressed`: every operation that takes a body, its generated bodies sent as JSON
  compressed with gzip and with br (`Content-Encoding` set), the same checks.
- `test_fuzz_reset`: `POST /_mock/reset` on an emulator of its own (see below).
- `test_documented_success`: every operation once with a request that must succeed, so that each
  2xx schema is checked on every run, not only when the generated data happens to reach it.
- `test_found_by_fuzzing`: each defect the fuzzer found, replayed.
- `test_every_operation_is_fuzzed`: nothing is left out silently.

Bounded and repeatable:

- The emulator (`ThreadedEmulator`: in memory, no seed, virtual clock) runs on 127.0.0.1 in a
  background thread; every request carries the default user's token.
- MOCK_APIFY_FUZZ_EXAMPLES sets the generated examples per operation; the default, 25, is the CI
  setting: about 4,500 requests (some 70 per operation, coverage cases included), 40 seconds
  with `-n 2` on two cores. The seed is fixed (MOCK_APIFY_FUZZ_SEED, default 20251127) and
  Hypothesis is derandomized with no example database, so every run sends the same requests.
  A longer run for people, e.g. before a release (30 to 40 minutes on two cores; 500 examples
  take 8 to 10):

      MOCK_APIFY_FUZZ_EXAMPLES=2000 .venv/bin/pytest -q -n 2 tests/reliability/test_fuzz.py

  and, to explore other inputs, another seed: `MOCK_APIFY_FUZZ_SEED=7`.
- Path ids would otherwise be random strings, which only reach 404 record-not-found (documented,
  and fine). So records are made up front (Actors, tasks, webhooks, a dispatch, runs, builds, an
  inbox), and hooks put a real id (or `username~name`) into many cases: path parameters per
  `ROLES`, body members per `BODY_ROLES` (a real condition, a loopback `requestUrl`, valid
  templates), so that creates and updates reach their 2xx too. Operations that change or delete
  a record get records of their own: no deletion or status change makes another operation's
  successes unreachable, and no long poll (`waitForFinish`, `stream=1`) waits on a run that a
  fuzzed call left RUNNING.

Handled on purpose rather than dropped:

- `POST /_mock/reset` wipes every record, which would make the rest of the shared emulator's
  cases meaningless mid-run: `test_fuzz_reset` fuzzes it alone, with real user ids in `userId`.
- `POST /_mock/inboxes/{name}` answers with whatever status its behaviour was set to, with the
  behaviour's body as text. The document says so with a `default` response; those answers are
  exempt from `not_a_server_error` and the envelope (a 503 there is what was asked for), and
  `test_inbox_answers_with_the_status_it_was_set_to` checks two of them.
- Fuzzed inbox behaviours get `delayMs` capped at MAX_INBOX_DELAY_MS (`bounded`): the delay is
  a real sleep of up to ten minutes in a later POST to that inbox, and the run must stay bounded.
- Deliveries made during the run (`/test`, run events, settle) go to loopback only: the
  emulator's delivery attempt is wrapped so that a fuzzed `requestUrl` elsewhere fails as a
  network error without any traffic leaving the machine.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import brotli
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET, NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mock_apify import Config
from mock_apify.config import DEFAULT_TOKEN, DEFAULT_USER_ID, DEFAULT_USERNAME
from mock_apify.engine import delivery
from mock_apify.openapi import HTTP_METHODS, load_document
from mock_apify.threaded import ThreadedEmulator

EXAMPLES = int(os.environ.get("MOCK_APIFY_FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("MOCK_APIFY_FUZZ_SEED", "20251127"))
# Per request; no operation is slow, so only a hang reaches it.
REQUEST_TIMEOUT = 30.0
MAX_INBOX_DELAY_MS = 20

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # Enum-only operations cannot make EXAMPLES distinct cases, and the emulator fixtures are made
    # once per test rather than per example, on purpose.
    suppress_health_check=list(HealthCheck),
)
RESET = "mock_reset_post"

# operationId -> path parameter -> the records whose ids (or `username~name`) may replace the
# generated value. Operations that change or delete a record get records of their own.
ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    "webhook_get": {"webhookId": ("webhook",)},
    "webhook_put": {"webhookId": ("webhook",)},
    "webhook_delete": {"webhookId": ("doomed_webhook",)},
    "webhook_test_post": {"webhookId": ("webhook",)},
    "webhook_webhookDispatches_get": {"webhookId": ("webhook",)},
    "webhookDispatch_get": {"dispatchId": ("dispatch",)},
    "act_get": {"actorId": ("actor", "actor_name")},
    "user_get": {"userId": ("default_user", "user")},
    "act_delete": {"actorId": ("doomed_actor",)},
    "act_put": {"actorId": ("mutable_actor",)},
    "act_webhooks_get": {"actorId": ("actor", "actor_name")},
    "act_runs_get": {"actorId": ("actor", "actor_name")},
    "act_runs_post": {"actorId": ("actor", "actor_name")},
    "act_runSync_get": {"actorId": ("actor", "actor_name")},
    "act_runSync_post": {"actorId": ("actor", "actor_name")},
    "act_runSyncGetDatasetItems_get": {"actorId": ("actor", "actor_name")},
    "act_runSyncGetDatasetItems_post": {"actorId": ("actor", "actor_name")},
    "act_run_get": {"actorId": ("actor",), "runId": ("run",)},
    "act_runs_last_get": {"actorId": ("actor", "actor_name")},
    "act_runs_last_log_get": {"actorId": ("actor", "actor_name")},
    "act_runs_last_abort_post": {"actorId": ("mutable_actor",)},
    "act_builds_post": {"actorId": ("actor", "actor_name")},
    "act_builds_get": {"actorId": ("actor", "actor_name")},
    "act_build_default_get": {"actorId": ("actor", "actor_name")},
    "actorTask_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_delete": {"actorTaskId": ("doomed_task",)},
    "actorTask_put": {"actorTaskId": ("mutable_task",)},
    "actorTask_webhooks_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_runs_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_runs_last_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_runs_last_log_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_runs_last_abort_post": {"actorTaskId": ("mutable_task",)},
    "actorTask_runs_post": {"actorTaskId": ("task", "task_name")},
    "actorTask_runSync_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_runSync_post": {"actorTaskId": ("task", "task_name")},
    "actorTask_runSyncGetDatasetItems_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_runSyncGetDatasetItems_post": {"actorTaskId": ("task", "task_name")},
    "actorRun_get": {"runId": ("run",)},
    "actorRun_put": {"runId": ("mutable_run",)},
    "actorRun_delete": {"runId": ("doomed_run",)},
    "actorRun_abort_post": {"runId": ("mutable_run",)},
    "actorRun_resurrect_post": {"runId": ("mutable_run",)},
    "actorRun_log_get": {"runId": ("run",)},
    "actorRun_dataset_items_get": {"runId": ("run",)},
    "actorBuild_get": {"buildId": ("build",)},
    "actorBuild_abort_post": {"buildId": ("mutable_build",)},
    "actorBuild_delete": {"buildId": ("doomed_build",)},
    "actorBuild_log_get": {"buildId": ("build",)},
    "log_get": {"buildOrRunId": ("run", "build")},
    "dataset_items_get": {"datasetId": ("dataset", "named_dataset", "dataset_name")},
    "dataset_get": {"datasetId": ("dataset", "named_dataset", "dataset_name")},
    "dataset_statistics_get": {"datasetId": ("dataset", "named_dataset", "dataset_name")},
    "dataset_put": {"datasetId": ("mutable_dataset",)},
    "dataset_items_post": {"datasetId": ("mutable_dataset",)},
    "dataset_delete": {"datasetId": ("doomed_dataset",)},
    "actorRun_dataset_get": {"runId": ("run",)},
    "actorRun_dataset_statistics_get": {"runId": ("run",)},
    "actorRun_dataset_put": {"runId": ("mutable_run",)},
    "actorRun_dataset_items_post": {"runId": ("mutable_run",)},
    "actorRun_dataset_delete": {"runId": ("doomed_dataset_run",)},
    "act_runs_last_dataset_get": {"actorId": ("actor", "actor_name")},
    "act_runs_last_dataset_items_get": {"actorId": ("actor", "actor_name")},
    "act_runs_last_dataset_statistics_get": {"actorId": ("actor", "actor_name")},
    "act_runs_last_dataset_put": {"actorId": ("dataset_actor",)},
    "act_runs_last_dataset_items_post": {"actorId": ("dataset_actor",)},
    "act_runs_last_dataset_delete": {"actorId": ("doomed_run_actor",)},
    "actorTask_runs_last_dataset_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_runs_last_dataset_items_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_runs_last_dataset_statistics_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_runs_last_dataset_put": {"actorTaskId": ("dataset_task",)},
    "actorTask_runs_last_dataset_items_post": {"actorTaskId": ("dataset_task",)},
    "actorTask_runs_last_dataset_delete": {"actorTaskId": ("doomed_dataset_task",)},
    "mock_inbox_post": {"name": ("inbox",)},
    "mock_inbox_put": {"name": ("inbox",)},
    "mock_inbox_get": {"name": ("inbox",)},
    "mock_inbox_delete": {"name": ("inbox",)},
    "mock_actor_behaviour_get": {"actorId": ("behaviour_actor",)},
    "mock_actor_behaviour_put": {"actorId": ("behaviour_actor",)},
    "mock_actor_run_get": {"runId": ("run",)},
    "mock_actor_run_status_post": {"runId": ("mutable_run",)},
    "mock_actor_build_status_post": {"buildId": ("mutable_build",)},
    "mock_user_seed_post": {"userId": ("seed_user",)},
    "mock_chaos_rule_delete": {"ruleId": ("chaos_rule",)},
    "mock_fault_delete": {"faultId": ("fault",)},
    "keyValueStore_get": {"storeId": ("store", "store_name")},
    "keyValueStore_put": {"storeId": ("mutable_store",)},
    "keyValueStore_delete": {"storeId": ("doomed_store",)},
    "keyValueStore_keys_get": {"storeId": ("store", "store_name")},
    "keyValueStore_record_get": {"storeId": ("store", "store_name"), "recordKey": ("record_key",)},
    "keyValueStore_record_put": {"storeId": ("mutable_store",), "recordKey": ("record_key",)},
    "keyValueStore_record_post": {"storeId": ("mutable_store",), "recordKey": ("record_key",)},
    "keyValueStore_record_delete": {"storeId": ("mutable_store",), "recordKey": ("record_key",)},
    "actorRun_keyValueStore_get": {"runId": ("run",)},
    "actorRun_keyValueStore_keys_get": {"runId": ("run",)},
    "actorRun_keyValueStore_record_get": {"runId": ("run",), "recordKey": ("record_key",)},
    "actorRun_keyValueStore_record_put": {"runId": ("mutable_run",), "recordKey": ("record_key",)},
    "actorRun_keyValueStore_record_post": {"runId": ("mutable_run",), "recordKey": ("record_key",)},
    "actorRun_keyValueStore_record_delete": {"runId": ("mutable_run",), "recordKey": ("record_key",)},
    "act_runs_last_keyValueStore_get": {"actorId": ("actor", "actor_name")},
    "act_runs_last_keyValueStore_keys_get": {"actorId": ("actor", "actor_name")},
    "act_runs_last_keyValueStore_record_get": {
        "actorId": ("actor", "actor_name"),
        "recordKey": ("record_key",),
    },
    "act_runs_last_keyValueStore_record_put": {"actorId": ("actor",), "recordKey": ("record_key",)},
    "act_runs_last_keyValueStore_record_post": {"actorId": ("actor",), "recordKey": ("record_key",)},
    "act_runs_last_keyValueStore_record_delete": {"actorId": ("actor",), "recordKey": ("record_key",)},
    "actorTask_runs_last_keyValueStore_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_runs_last_keyValueStore_keys_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_runs_last_keyValueStore_record_get": {
        "actorTaskId": ("task", "task_name"),
        "recordKey": ("record_key",),
    },
    "actorTask_runs_last_keyValueStore_record_put": {"actorTaskId": ("task",), "recordKey": ("record_key",)},
    "actorTask_runs_last_keyValueStore_record_post": {"actorTaskId": ("task",), "recordKey": ("record_key",)},
    "actorTask_runs_last_keyValueStore_record_delete": {
        "actorTaskId": ("task",),
        "recordKey": ("record_key",),
    },
    "actorTask_input_get": {"actorTaskId": ("task", "task_name")},
    "actorTask_input_put": {"actorTaskId": ("task", "task_name")},
    "mock_webhook_dispatch_resend_post": {"dispatchId": ("dispatch",)},
}
# The same for members of JSON bodies (replaced only where the generated body has them), so that
# creates, updates and tests reach their 2xx: a condition naming a real record, a URL that is one,
# templates that are valid.
_WEBHOOK_FIELDS = {
    ("condition",): ("actor_condition", "task_condition", "run_condition"),
    ("requestUrl",): ("receiver_url",),
    ("payloadTemplate",): ("payload_template",),
    ("headersTemplate",): ("headers_template",),
}
BODY_ROLES: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {
    "webhooks_post": _WEBHOOK_FIELDS,
    "webhook_put": _WEBHOOK_FIELDS,
    "webhook_test_post": {("resourceId",): ("run", "build")},
    "actorTasks_post": {("actId",): ("actor", "actor_name")},
    RESET: {("userId",): ("default_user", "user")},
}

# The records (and valid values) of the emulator that the current test runs against. Hooks read
# them while Hypothesis draws a case, which happens inside the test, after the fixtures made them.
_CURRENT: dict[str, Any] = {}


def operation_id(operation: Any) -> str:
    return str(operation.definition.raw["operationId"])


def _candidates(roles: tuple[str, ...]) -> list[Any]:
    return [_CURRENT[role] for role in roles if role in _CURRENT]


def flatmap_path_parameters(context: schemathesis.HookContext, path_parameters: dict[str, Any] | None) -> Any:
    """Each path parameter keeps its generated value or takes a real record's id."""
    assert context.operation is not None
    roles = ROLES.get(operation_id(context.operation), {})
    if not path_parameters or not roles:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *_candidates(roles.get(name, ()))])
            for name, value in path_parameters.items()
        }
    )


def flatmap_body(context: schemathesis.HookContext, body: Any) -> Any:
    """The same for the body members named in `BODY_ROLES`: all kept, all replaced (the way to a
    2xx, which needs every one of them valid at once), or each either way."""
    assert context.operation is not None
    roles = BODY_ROLES.get(operation_id(context.operation), {})
    present = [(path, role) for path, role in roles.items() if isinstance(body, dict) and _has(body, path)]
    if not present:
        return st.just(body)
    real = st.tuples(*(st.sampled_from(_candidates(role)) for _, role in present))
    mixed = st.tuples(*(st.sampled_from([_KEEP, *_candidates(role)]) for _, role in present))
    picks = st.one_of(st.just((_KEEP,) * len(present)), real, mixed)
    return picks.map(
        lambda chosen: _replaced(
            body,
            [(path, value) for (path, _), value in zip(present, chosen, strict=True) if value is not _KEEP],
        )
    )


_KEEP = object()


def _has(body: dict[str, Any], path: tuple[str, ...]) -> bool:
    for key in path[:-1]:
        body = body.get(key)  # type: ignore[assignment]
        if not isinstance(body, dict):
            return False
    return path[-1] in body


def _replaced(body: dict[str, Any], changes: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    body = copy.deepcopy(body)
    for path, value in changes:
        parent = body
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = copy.deepcopy(value)
    return body


# Inbound faults and the rate limiter would answer the fuzzer's own later requests (a 5xx asked
# for, a dropped connection, a 429): fuzzed ones are given to the seed user, whom nothing else uses.
_FAULT_SETTINGS = ("mock_faults_post", "mock_rate_limit_put")


def bounded(case: schemathesis.Case) -> schemathesis.Case:
    """Caps the delays of fuzzed inbox behaviours and faults: each is a real sleep of up to ten
    minutes in a later request. Fuzzed faults and rate limits go to the seed user (see above).
    Done on the case, not in a hook: coverage-phase cases skip hooks."""
    body = case.body
    if operation_id(case.operation) in _FAULT_SETTINGS and isinstance(body, dict):
        case.body = _cap_delay(dict(body)) | {"userId": _CURRENT.get("seed_user", "none")}
    if operation_id(case.operation) == "mock_inbox_put" and isinstance(body, dict):
        body = _cap_delay(dict(body))
        if isinstance(body.get("script"), list):
            body["script"] = [_cap_delay(step) if isinstance(step, dict) else step for step in body["script"]]
        case.body = body
    return case


def _cap_delay(answer: dict[str, Any]) -> dict[str, Any]:
    delay = answer.get("delayMs")
    if isinstance(delay, int | float) and not isinstance(delay, bool) and delay > MAX_INBOX_DELAY_MS:
        return answer | {"delayMs": MAX_INBOX_DELAY_MS}
    return answer


DOCUMENT = load_document()


def load_schema(*, coverage: bool) -> Any:
    """The document as Schemathesis sees it: valid and invalid data, the fixed seed, the default
    user's token on every request, and the hooks above."""
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"mode": "all", "with-security-parameters": False},
            "phases": {"coverage": {"enabled": coverage}},
            "headers": {"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        }
    )
    schema = schemathesis.openapi.from_dict(DOCUMENT, config=config)
    for hook in (flatmap_path_parameters, flatmap_body):
        schema.hook(hook)
    return schema


# Every phase: the document's examples, its coverage cases (boundaries, each constraint broken in
# turn) and EXAMPLES generated cases per operation.
SCHEMA = load_schema(coverage=True)
# Compressed bodies exercise decoding, which does not care which constraint a body breaks: the
# generated cases are enough there.
COMPRESSED_SCHEMA = load_schema(coverage=False)


@dataclass
class Target:
    """A running emulator, the records made on it up front, and a session to call it with."""

    emulator: ThreadedEmulator
    session: requests.Session = field(default_factory=requests.Session)
    ids: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.emulator.url

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.session.request(
            method,
            self.url + path,
            json=body,
            params=params,
            headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
            timeout=REQUEST_TIMEOUT,
        )
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json()["data"] if response.content else None


def _loopback_only(attempt: Callable[..., Any]) -> Callable[..., Any]:
    """The emulator's delivery attempt, refusing (as a network error) any URL off this machine."""

    async def guarded(session: Any, clock: Any, plan: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        host = urlsplit(plan["url"]).hostname
        if host in ("127.0.0.1", "localhost", "::1"):
            return await attempt(session, clock, plan, *args, **kwargs)
        now = clock.now_iso()
        return {
            "startedAt": now,
            "finishedAt": now,
            "errorMessage": f"Cannot send request: fuzz run delivers only to loopback, not {host!r}",
            "responseStatus": None,
            "responseBody": None,
        }

    return guarded


@pytest.fixture(scope="module")
def loopback_deliveries() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delivery, "attempt", _loopback_only(delivery.attempt))
        yield


@contextmanager
def running_target() -> Iterator[Target]:
    """An emulator of its own (in memory, no seed, virtual clock) with the records of `ROLES`."""
    emulator = ThreadedEmulator(Config(db=":memory:", port=0, no_seed=True, clock="virtual")).start()
    running = Target(emulator)
    try:
        make_records(running)
        yield running
    finally:
        running.session.close()
        emulator.stop()


@contextmanager
def hooked_to(target: Target) -> Iterator[Target]:
    """Points the hooks at `target`'s records for one test."""
    _CURRENT.clear()
    _CURRENT.update(target.ids)
    try:
        yield target
    finally:
        _CURRENT.clear()


def make_records(target: Target) -> None:
    """Everything `ROLES` names, created through the API."""
    ids = target.ids
    actor = target.call("POST", "/v2/actors", {"name": "fuzz-actor"})
    ids["actor"], ids["actor_name"] = actor["id"], f"{DEFAULT_USERNAME}~fuzz-actor"
    ids["default_user"] = DEFAULT_USER_ID
    ids["behaviour_actor"] = target.call("POST", "/v2/actors", {"name": "fuzz-behaviour"})["id"]
    ids["doomed_actor"] = target.call("POST", "/v2/actors", {"name": "fuzz-doomed"})["id"]
    task = {"actId": actor["id"], "name": "fuzz-task", "input": {"from": "task"}}
    ids["task"], ids["task_name"] = (
        target.call("POST", "/v2/actor-tasks", task)["id"],
        f"{DEFAULT_USERNAME}~fuzz-task",
    )
    ids["doomed_task"] = target.call(
        "POST", "/v2/actor-tasks", {"actId": actor["id"], "name": "fuzz-doomed"}
    )["id"]
    hook = {
        "eventTypes": ["ACTOR.RUN.SUCCEEDED", "ACTOR.BUILD.SUCCEEDED"],
        "condition": {"actorId": actor["id"]},
        "requestUrl": f"{target.url}/_mock/inboxes/fuzz-receiver",
    }
    ids["webhook"] = target.call("POST", "/v2/webhooks", hook)["id"]
    ids["doomed_webhook"] = target.call("POST", "/v2/webhooks", hook | {"description": "doomed"})["id"]
    # Runs of this Actor end SUCCEEDED at once with an item in their dataset.
    behaviour = {"run": {"status": "SUCCEEDED", "items": [{"n": 1}], "output": {"n": 1}}}
    target.call("PUT", f"/_mock/actors/{actor['id']}/behaviour", behaviour)
    run = target.call("POST", f"/v2/actors/{actor['id']}/runs", {"from": "run"}, waitForFinish=60)
    ids["run"], ids["dataset"] = run["id"], run["defaultDatasetId"]
    ids["mutable_run"] = target.call("POST", f"/v2/actor-tasks/{ids['task']}/runs", waitForFinish=60)["id"]
    ids["build"] = target.call("POST", f"/v2/actors/{actor['id']}/builds", waitForFinish=60)["id"]
    ids["mutable_build"] = target.call("POST", f"/v2/actors/{actor['id']}/builds", waitForFinish=60)["id"]
    # The run's default build, older than the two above, so no longer the default: deletable.
    ids["doomed_build"] = run["buildId"]
    ids["doomed_run"] = target.call("POST", f"/v2/actors/{actor['id']}/runs", waitForFinish=60)["id"]
    # Updated (renamed, even) and their last runs aborted: records no other operation names.
    ids["mutable_actor"] = target.call("POST", "/v2/actors", {"name": "fuzz-mutable"})["id"]
    ids["mutable_task"] = target.call(
        "POST", "/v2/actor-tasks", {"actId": ids["mutable_actor"], "name": "fuzz-mutable"}
    )["id"]
    target.call("POST", f"/v2/actor-tasks/{ids['mutable_task']}/runs", waitForFinish=60)
    ids["dispatch"] = target.call("POST", f"/v2/webhooks/{ids['webhook']}/test")["id"]
    make_dataset_records(target)
    ids["inbox"], ids["receiver_url"] = "fuzz-inbox", hook["requestUrl"]
    ids["actor_condition"], ids["task_condition"] = {"actorId": actor["id"]}, {"actorTaskId": ids["task"]}
    ids["run_condition"] = {"actorRunId": run["id"]}
    ids["payload_template"] = '{"event": {{eventType}}, "resource": {{resource}}}'
    ids["headers_template"] = '{"X-Fuzz": "yes"}'
    make_stores(target)
    # Seeds are loaded into a user of their own: the records they make touch no other operation's.
    ids["seed_user"] = target.call("POST", "/_mock/users", {})["id"]
    ids["chaos_rule"] = target.call("POST", "/_mock/chaos", {"userId": ids["seed_user"], "duplicate": True})[
        "id"
    ]
    fault = {"userId": ids["seed_user"], "operationId": "webhooks_get", "fault": "http-503"}
    ids["fault"] = target.call("POST", "/_mock/faults", fault)["id"]
    target.session.post(f"{target.url}/_mock/inboxes/fuzz-inbox", data=b"{}", timeout=REQUEST_TIMEOUT)
    target.call("POST", "/_mock/dispatches/settle", {})


def make_dataset_records(target: Target) -> None:
    """Datasets by ID and name, and runs of their own whose datasets fuzzed writes may change or
    delete: a dataset's runs/last is its Actor's or task's newest run."""
    ids = target.ids
    named = target.call("POST", "/v2/datasets", {}, name="fuzz-dataset")
    items = [{"a": 1, "#b": {"c": [1, 2]}}, {"d": None}]
    pushed = target.session.post(
        f"{target.url}/v2/datasets/{named['id']}/items",
        json=items,
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        timeout=REQUEST_TIMEOUT,
    )
    assert pushed.status_code == 201, pushed.text
    ids["named_dataset"], ids["dataset_name"] = named["id"], "fuzz-dataset"
    ids["mutable_dataset"] = target.call("POST", "/v2/datasets", {}, name="fuzz-mutable")["id"]
    ids["doomed_dataset"] = target.call("POST", "/v2/datasets", {}, name="fuzz-doomed")["id"]
    for role in ("dataset_actor", "doomed_run_actor"):
        actor_id = target.call("POST", "/v2/actors", {"name": role.replace("_", "-")})["id"]
        ids[role] = actor_id
        run = target.call("POST", f"/v2/actors/{actor_id}/runs", waitForFinish=60)
    ids["doomed_dataset_run"] = run["id"]
    for role in ("dataset_task", "doomed_dataset_task"):
        task = {"actId": ids["dataset_actor"], "name": role.replace("_", "-")}
        ids[role] = target.call("POST", "/v2/actor-tasks", task)["id"]
        target.call("POST", f"/v2/actor-tasks/{ids[role]}/runs", waitForFinish=60)


def make_stores(target: Target) -> None:
    """Key-value stores with an OUTPUT record (as the fuzz Actor's runs have), one to change, one
    to delete."""
    ids = target.ids
    for role in ("store", "mutable_store", "doomed_store"):
        ids[role] = target.call("POST", "/v2/key-value-stores", name=f"fuzz-{role.replace('_', '-')}")["id"]
        record = f"{target.url}/v2/key-value-stores/{ids[role]}/records/OUTPUT"
        headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Content-Type": "text/plain"}
        assert target.session.put(record, data=b"out", headers=headers, timeout=REQUEST_TIMEOUT).ok
    ids["store_name"], ids["record_key"] = f"{DEFAULT_USERNAME}~fuzz-store", "OUTPUT"


@pytest.fixture(scope="module")
def target(loopback_deliveries: None) -> Iterator[Target]:
    """The emulator every fuzz test of the module shares."""
    with running_target() as running:
        yield running


@pytest.fixture
def current(target: Target) -> Iterator[Target]:
    with hooked_to(target) as running:
        yield running


@pytest.fixture(scope="module")
def untouched(loopback_deliveries: None) -> Iterator[Target]:
    """An emulator the fuzz tests never see, for the requests that must succeed."""
    with running_target() as running:
        yield running


def is_inbox_answer(case: schemathesis.Case, response: schemathesis.Response) -> bool:
    """What the built-in receiver answers as its behaviour says: the behaviour's status (a 5xx
    too, when asked for) and its `body` as text, documented as the inbox's `default` response."""
    content_type = response.headers.get("content-type", [""])[0]
    return operation_id(case.operation) == "mock_inbox_post" and content_type.startswith("text/plain")


def check(case: schemathesis.Case, response: schemathesis.Response) -> None:
    """The document's checks, then Apify's envelope on every 4xx and 5xx."""
    if is_inbox_answer(case, response):
        case.validate_response(response, checks=[c for c in CHECKS if c is not not_a_server_error])
        return
    if response.content.startswith(b"\xef\xbb\xbf"):  # dataset items with `bom=1`, as asked
        case.validate_response(response, checks=[c for c in CHECKS if c is not response_schema_conformance])
        if response.headers.get("content-type", [""])[0].startswith("application/json"):
            json.loads(response.content.decode("utf-8-sig"))
        return
    case.validate_response(response, checks=CHECKS)
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]
    where = f"{response.request.method} {response.request.url} -> {response.status_code}"
    assert content_type.startswith("application/json"), where
    body = json.loads(response.content)
    assert isinstance(body, dict) and set(body) == {"error"}, (where, body)
    error = body["error"]
    assert isinstance(error, dict) and {"type", "message"} <= set(error) <= {"type", "message", "data"}, (
        where,
        body,
    )
    assert isinstance(error["type"], str) and error["type"], (where, body)
    assert isinstance(error["message"], str) and error["message"], (where, body)
    assert isinstance(error.get("data", {}), dict), (where, body)


def call_and_check(case: schemathesis.Case, target: Target) -> None:
    response = bounded(case).call(base_url=target.url, session=target.session, timeout=REQUEST_TIMEOUT)
    check(case, response)


@SCHEMA.exclude(operation_id=RESET).parametrize()
@SETTINGS
def test_fuzz(case: schemathesis.Case, current: Target) -> None:
    call_and_check(case, current)


def _has_body(operation: Any) -> bool:
    return "requestBody" in operation.definition.raw and operation_id(operation) != RESET


def _compress(encoding: str, data: bytes) -> bytes:
    return gzip.compress(data) if encoding == "gzip" else bytes(brotli.compress(data))


@pytest.mark.parametrize("encoding", ["gzip", "br"])
@COMPRESSED_SCHEMA.include(lambda ctx: _has_body(ctx.operation)).parametrize()
@SETTINGS
def test_fuzz_compressed(case: schemathesis.Case, current: Target, encoding: str) -> None:
    kwargs = bounded(case).as_transport_kwargs(base_url=current.url)
    for generated in ("json", "data", "files"):
        kwargs.pop(generated, None)
    # The body as JSON text (the `*/*` bodies of run inputs and the inbox take JSON too); none
    # generated is sent as a compressed empty body.
    if isinstance(case.body, NotSet):
        raw = b""
    elif isinstance(case.body, bytes):  # a body that is not JSON at all, from negative generation
        raw = case.body
    else:
        raw = json.dumps(case.body).encode()
    kwargs["data"] = _compress(encoding, raw)
    kwargs["headers"] = {
        **kwargs["headers"],
        "Content-Type": "application/json",
        "Content-Encoding": encoding,
    }
    response = schemathesis.Response.from_any(current.session.request(**kwargs, timeout=REQUEST_TIMEOUT))
    check(case, response)


@pytest.fixture
def reset_target(loopback_deliveries: None) -> Iterator[Target]:
    """An emulator of its own, with a second user whose records a reset may delete."""
    with running_target() as running:
        user = running.call("POST", "/_mock/users", {})
        running.ids["user"] = user["id"]
        with hooked_to(running):
            yield running


@SCHEMA.include(operation_id=RESET).parametrize()
@SETTINGS
def test_fuzz_reset(case: schemathesis.Case, reset_target: Target) -> None:
    call_and_check(case, reset_target)
    # Whatever was reset, the emulator still serves the default user.
    reset_target.call("GET", "/v2/webhooks")


def test_inbox_answers_with_the_status_it_was_set_to(current: Target) -> None:
    behaviour = {"status": 503, "body": "busy", "script": [{"status": 418, "body": "teapot"}]}
    current.call("PUT", "/_mock/inboxes/fuzz-status", behaviour)
    operation = SCHEMA["/_mock/inboxes/{name}"]["POST"]
    for status, text in ((418, "teapot"), (503, "busy")):
        case = operation.Case(path_parameters={"name": "fuzz-status"}, body={"any": "thing"})
        response = case.call(base_url=current.url, session=current.session, timeout=REQUEST_TIMEOUT)
        assert (response.status_code, response.text) == (status, text)
        # Documented: the `default` response covers whatever status the behaviour sets.
        check(case, response)


def _running(target: Target, kind: str) -> tuple[str, str]:
    """A fresh Actor whose runs or builds stay RUNNING, and one of them: (actor id, job id)."""
    actor = target.call("POST", "/v2/actors", {})["id"]
    target.call("PUT", f"/_mock/actors/{actor}/behaviour", {kind: {"status": None}})
    job = target.call("POST", f"/v2/actors/{actor}/{kind}s")["id"]
    return actor, job


def success_request(operation: str, target: Target) -> dict[str, Any]:
    """One request that must succeed, as `Case` fields: path parameters, query and body. Records
    an operation changes or deletes are made fresh, so the order of tests does not matter."""
    ids = target.ids
    defaults = {"path_parameters": {name: ids[roles[0]] for name, roles in ROLES.get(operation, {}).items()}}
    fresh = f"fuzz-{uuid.uuid4().hex[:12]}"
    hook = {"eventTypes": ["TEST"], "condition": ids["actor_condition"], "requestUrl": ids["receiver_url"]}
    match operation:
        case "webhooks_post":
            return {"body": hook | {"payloadTemplate": ids["payload_template"]}}
        case "webhook_put":
            return {"path_parameters": {"webhookId": ids["webhook"]}, "body": {"description": "changed"}}
        case "webhook_delete":
            return {"path_parameters": {"webhookId": target.call("POST", "/v2/webhooks", hook)["id"]}}
        case "acts_post":
            return {"body": {"name": fresh, "title": "Fuzz"}}
        case "act_delete":
            return {"path_parameters": {"actorId": target.call("POST", "/v2/actors", {})["id"]}}
        case "act_put" | "actorTask_put":
            return defaults | {"body": {"title": "Changed"}}
        case "actorRun_put":
            return defaults | {"body": {"statusMessage": "Halfway", "isStatusMessageTerminal": False}}
        case "actorRun_delete":
            run = target.call("POST", f"/v2/actors/{ids['actor']}/runs", waitForFinish=60)
            return {"path_parameters": {"runId": run["id"]}}
        case "actorBuild_delete":
            actor = target.call("POST", "/v2/actors", {})["id"]
            older = target.call("POST", f"/v2/actors/{actor}/builds", waitForFinish=60)["id"]
            target.call("POST", f"/v2/actors/{actor}/builds", waitForFinish=60)
            return {"path_parameters": {"buildId": older}}
        case "actorTasks_post":
            return {"body": {"actId": ids["actor"], "name": fresh, "input": {"a": 1}}}
        case "actorTask_delete":
            task = target.call("POST", "/v2/actor-tasks", {"actId": ids["actor"], "name": fresh})
            return {"path_parameters": {"actorTaskId": task["id"]}}
        case "act_runs_post" | "actorTask_runs_post":
            return defaults | {"body": {"input": "yes"}, "query": {"waitForFinish": 5}}
        case "actorRun_abort_post" | "mock_actor_run_status_post":
            body = {"status": "SUCCEEDED"} if operation.startswith("mock") else NOT_SET
            return {"path_parameters": {"runId": _running(target, "run")[1]}, "body": body}
        case "actorRun_resurrect_post":
            run = target.call("POST", f"/v2/actors/{ids['actor']}/runs", waitForFinish=60)
            return {"path_parameters": {"runId": run["id"]}}
        case "actorBuild_abort_post" | "mock_actor_build_status_post":
            body = {"status": "FAILED"} if operation.startswith("mock") else NOT_SET
            return {"path_parameters": {"buildId": _running(target, "build")[1]}, "body": body}
        case "mock_users_post":
            return {"body": {"username": fresh}}
        case "mock_users_batch_post":
            return {"body": {"count": 2}}
        case "mock_reset_post":
            return {"body": {"userId": target.call("POST", "/_mock/users", {})["id"]}}
        case "mock_clock_advance_post":
            return {"body": {"seconds": 1}}
        case "mock_dispatches_settle_post":
            return {"body": {"maxRounds": 10}}
        case "mock_render_template_post":
            return {
                "body": {
                    "payloadTemplate": ids["payload_template"],
                    "headersTemplate": ids["headers_template"],
                }
            }
        case "mock_inbox_put":
            return {"path_parameters": {"name": "fuzz-success"}, "body": {"status": 200}}
        case "mock_inbox_post":
            return {"path_parameters": {"name": "fuzz-success"}, "body": {"any": "thing"}}
        case "mock_actor_behaviour_put":
            return {
                "path_parameters": {"actorId": ids["behaviour_actor"]},
                "body": {"run": {"status": "FAILED"}},
            }
        case "mock_user_seed_post":
            seed = {"users": [{"id": "u", "actors": [{"id": "a", "name": fresh, "tasks": [{"name": "t"}]}]}]}
            return defaults | {"body": seed}
        case "webhook_test_post":
            return {"path_parameters": {"webhookId": ids["webhook"]}, "body": {"resourceId": ids["run"]}}
        case _ if operation.endswith("dataset_items_post"):
            return defaults | {"body": [{"fuzz": 1}, {"#hidden": True}]}
        case _ if operation.endswith("dataset_put"):
            return defaults | {"body": {"title": "changed"}}
        case _ if operation.endswith("dataset_delete"):
            return {"path_parameters": _doomed_dataset(target, operation, fresh)}
        case "mock_chaos_post" | "mock_chaos_rule_delete":
            rule = {"userId": ids["seed_user"], "failFirst": 1, "failWith": "timeout"}
            if operation == "mock_chaos_post":
                return {"body": rule}
            return {"path_parameters": {"ruleId": target.call("POST", "/_mock/chaos", rule)["id"]}}
        case "mock_faults_post" | "mock_fault_delete":
            fault = {"userId": ids["seed_user"], "path": "/v2/actors/*", "fault": "rate-limit"}
            if operation == "mock_faults_post":
                return {"body": fault}
            return {"path_parameters": {"faultId": target.call("POST", "/_mock/faults", fault)["id"]}}
        case "mock_rate_limit_put":
            return {"body": {"enabled": False, "userId": ids["seed_user"]}}
        case "keyValueStore_put":
            return defaults | {"body": {"name": fresh}}
        case "keyValueStore_delete":
            return {"path_parameters": {"storeId": target.call("POST", "/v2/key-value-stores")["id"]}}
        case "actorTask_input_put":
            return defaults | {"body": {"from": "fuzz"}}
        case "mock_webhook_dispatch_resend_post":
            return defaults | {"body": {}}
    if operation.endswith("_record_delete"):  # another key: the record reads that follow need theirs
        return {"path_parameters": defaults["path_parameters"] | {"recordKey": "fuzz-deleted"}}
    return defaults


def _doomed_dataset(target: Target, operation: str, fresh: str) -> dict[str, str]:
    """Path parameters naming a dataset made for one delete: a dataset, or a new run's."""
    if operation == "dataset_delete":
        return {"datasetId": target.call("POST", "/v2/datasets", {}, name=fresh)["id"]}
    actor = target.call("POST", "/v2/actors", {"name": fresh})["id"]
    if operation.startswith("actorTask"):
        task = target.call("POST", "/v2/actor-tasks", {"actId": actor, "name": fresh})["id"]
        target.call("POST", f"/v2/actor-tasks/{task}/runs", waitForFinish=60)
        return {"actorTaskId": task}
    run = target.call("POST", f"/v2/actors/{actor}/runs", waitForFinish=60)["id"]
    return {"runId": run} if operation.startswith("actorRun") else {"actorId": actor}


@pytest.mark.parametrize(
    "operation", sorted(operation_id(result.ok()) for result in SCHEMA.get_all_operations())
)
def test_documented_success(operation: str, untouched: Target) -> None:
    """Every operation once with a request that must succeed, under the same checks: the fuzz run
    reaches most 2xx answers too, but this way each success schema is checked on every run."""
    fields = success_request(operation, untouched)
    case = SCHEMA.find_operation_by_id(operation).Case(
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, **fields
    )
    response = case.call(base_url=untouched.url, session=untouched.session, timeout=REQUEST_TIMEOUT)
    assert 200 <= response.status_code < 300, (operation, response.status_code, response.text)
    check(case, response)


def test_found_by_fuzzing(untouched: Target) -> None:
    """The defects the fuzzer found, each replayed once: every answer must pass `check`."""
    ids = untouched.ids
    hook = {"eventTypes": ["TEST"], "condition": ids["actor_condition"], "requestUrl": ids["receiver_url"]}
    first = untouched.call("POST", "/v2/webhooks", hook | {"idempotencyKey": "fuzz-first"})
    second = untouched.call("POST", "/v2/webhooks", hook | {"idempotencyKey": "fuzz-second"})
    replays: list[tuple[str, dict[str, Any], int]] = [
        # A decoded path holding a newline got aiohttp's text/plain 404, not Apify's envelope.
        ("webhook_get", {"path_parameters": {"webhookId": "a\nb"}}, 404),
        # 242.0 is an integer to JSON Schema; range() refused it: 500.
        ("mock_dispatches_settle_post", {"body": {"maxRounds": 242.0}}, 200),
        # A null member of defaultRunOptions was stored over the default, against the Actor schema.
        ("acts_post", {"body": {"defaultRunOptions": {"build": None, "timeoutSecs": None}}}, 201),
        # exampleRunInput is kept as sent, nulls included; the Actor schema refused them.
        ("acts_post", {"body": {"exampleRunInput": {"body": "", "contentType": None}}}, 201),
        # A query integer past 64 bits was stored in the run, which could not be written out: 500.
        ("act_runs_post", {"path_parameters": {"actorId": ids["actor"]}, "query": {"maxItems": 2**70}}, 400),
        # Taking another webhook's idempotency key broke the UNIQUE index: 500.
        (
            "webhook_put",
            {"path_parameters": {"webhookId": second["id"]}, "body": {"idempotencyKey": "fuzz-first"}},
            400,
        ),
    ]
    for operation, fields, status in replays:
        case = SCHEMA.find_operation_by_id(operation).Case(
            headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, **fields
        )
        response = case.call(base_url=untouched.url, session=untouched.session, timeout=REQUEST_TIMEOUT)
        assert response.status_code == status, (operation, fields, response.text)
        check(case, response)
    assert untouched.call("GET", f"/v2/webhooks/{first['id']}")["id"] == first["id"]


def test_every_operation_is_fuzzed() -> None:
    """Nothing is left out silently: every operation is fuzzed, and `ROLES` matches the document."""
    documented = {
        spec["operationId"]: path
        for path, item in DOCUMENT["paths"].items()
        for method, spec in item.items()
        if method in HTTP_METHODS
    }
    fuzzed = {operation_id(result.ok()) for result in SCHEMA.exclude(operation_id=RESET).get_all_operations()}
    assert fuzzed | {RESET} == set(documented)
    assert set(BODY_ROLES) <= set(documented)
    for operation, params in ROLES.items():
        assert set(params) <= set(documented[operation].replace("}", "{").split("{")[1::2]), operation
