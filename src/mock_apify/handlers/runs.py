"""Actor runs and builds: starting them (with ad-hoc webhooks), reading, waiting, aborting,
resurrecting, their logs, and the items of a run's default dataset."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from aiohttp import web

from .. import jobs, models
from ..body import read_body
from ..errors import InvalidParameter, InvalidRequest, RecordNotFound, SchemaValidation, TooManyWebhooks
from ..http import Call, base_url, data_response, json_response
from ..lookups import find_actor, find_task
from ..pagination import PageRequest
from ..storage import Doc, WebhookLimitReached

MAX_WAIT_SECS = 60
_BEHAVIOUR_KIND = {jobs.RUN: "run", jobs.BUILD: "build"}


def _behaviour(call: Call, actor: Doc, kind: str) -> Doc | None:
    behaviour = call.emulator.storage.get_behaviour(actor["id"]) or {}
    chosen: Doc | None = behaviour.get(_BEHAVIOUR_KIND[kind])
    return chosen


async def _run_input(call: Call) -> Any:
    """The request body is the run's input: JSON when it parses, else kept as text."""
    raw = await read_body(call.request, call.emulator.config.max_body_bytes)
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", errors="replace")


def _adhoc_webhooks(call: Call, run_id: str) -> list[Doc]:
    """The `webhooks` parameter: standard Base64 of a JSON array of webhook representations, each
    becoming an ad-hoc webhook bound to the new run. Any fault refuses the whole start."""
    encoded = call.query.get("webhooks")
    if not encoded:
        return []
    try:
        items = orjson.loads(base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True))
    except (binascii.Error, ValueError):
        raise InvalidParameter(
            "Parameter 'webhooks' must be Base64-encoded JSON (an array of webhooks)"
        ) from None
    if not isinstance(items, list):
        raise InvalidParameter("Parameter 'webhooks' must encode a JSON array of webhooks")
    check = call.emulator.schema_check("WebhookRepresentation")
    now = call.emulator.clock.now_iso()
    webhooks = []
    for index, item in enumerate(items):
        problem = check.first_error(item) if isinstance(item, dict) else "it must be a JSON object"
        if problem:
            raise SchemaValidation(f"Invalid webhooks[{index}]: {problem}")
        body = item | {"condition": {"actorRunId": run_id}, "isAdHoc": True}
        try:
            webhooks.append(models.new_webhook(body, call.user_id, now))
        except SchemaValidation as error:
            raise SchemaValidation(f"Invalid webhooks[{index}]: {error.text}") from None
    return webhooks


def _options(call: Call, defaults: dict[str, Any]) -> dict[str, Any]:
    memory = call.query.get("memory") or defaults.get("memoryMbytes") or 1024
    return {
        "build": call.query.get("build") or defaults.get("build") or "latest",
        "timeoutSecs": call.query.get("timeout") or defaults.get("timeoutSecs") or 3600,
        "memoryMbytes": memory,
        "diskMbytes": memory * 2,
        "maxItems": call.query.get("maxItems"),
    }


async def _start_run(call: Call, actor: Doc, task: Doc | None, location: str) -> web.Response:
    emulator = call.emulator
    job_input = await _run_input(call)
    if task is not None and isinstance(job_input, dict | None):
        job_input = (task.get("input") or {}) | (job_input or {})
    defaults = actor.get("defaultRunOptions") or {}
    if task is not None:
        defaults = defaults | {k: v for k, v in (task.get("options") or {}).items() if v is not None}
    options = _options(call, defaults)
    build = emulator.storage.latest_job(jobs.BUILD, actor["userId"], act_id=actor["id"])
    run = jobs.new_run(actor, task, options, len(orjson.dumps(job_input)), emulator.clock.time(), build)
    adhoc = _adhoc_webhooks(call, run["id"])
    try:
        emulator.lifecycle.create(
            jobs.RUN, run, job_input, _behaviour(call, actor, jobs.RUN), options["timeoutSecs"], adhoc
        )
    except WebhookLimitReached:  # ad-hoc webhooks go through the same insert as POST /v2/webhooks
        raise TooManyWebhooks(emulator.config.max_webhooks_per_user) from None
    run = await _waited(call, jobs.RUN, run)
    return data_response(call, run, 201, {"Location": f"{base_url(call.request)}{location}/{run['id']}"})


async def _waited(call: Call, kind: str, job: Doc) -> Doc:
    seconds = min(call.query.get("waitForFinish") or 0, MAX_WAIT_SECS)
    return await call.emulator.lifecycle.wait_finished(kind, job["id"], seconds) or job


async def act_runs_post(call: Call) -> web.Response:
    assert call.user is not None
    actor = find_actor(call.emulator.storage, call.user, call.path["actorId"])
    return await _start_run(call, actor, None, f"/v2/actors/{actor['id']}/runs")


async def actorTask_runs_post(call: Call) -> web.Response:
    assert call.user is not None
    storage = call.emulator.storage
    task = find_task(storage, call.user, call.path["actorTaskId"])
    actor = storage.get_actor(call.user.id, task["actId"])
    if actor is None:
        raise RecordNotFound("Actor was not found")
    return await _start_run(call, actor, task, f"/v2/actor-tasks/{task['id']}/runs")


def _job(call: Call, kind: str, key: str) -> Doc:
    """A run or build by its path ID; with a token only the owner's, without one any (by ID)."""
    job = call.emulator.storage.get_job(kind, call.path[key], call.user.id if call.user else None)
    if job is None:
        raise RecordNotFound("Actor run was not found" if kind == jobs.RUN else "Actor build was not found")
    return job


async def actorRun_get(call: Call) -> web.Response:
    return data_response(call, await _waited(call, jobs.RUN, _job(call, jobs.RUN, "runId")))


async def act_run_get(call: Call) -> web.Response:
    run = _job(call, jobs.RUN, "runId")
    assert call.user is not None
    if run["actId"] != find_actor(call.emulator.storage, call.user, call.path["actorId"])["id"]:
        raise RecordNotFound("Actor run was not found")
    return data_response(call, await _waited(call, jobs.RUN, run))


def _runs_page(call: Call, **owner: str) -> web.Response:
    """A page of the user's runs, optionally only one Actor's (`act_id`) or task's (`task_id`)."""
    page = PageRequest.from_query(call.query)
    items = call.emulator.storage.list_jobs(
        jobs.RUN, call.user_id, page.offset, page.limit, page.desc, **owner
    )
    return data_response(call, page.envelope(items))


async def actorRuns_get(call: Call) -> web.Response:
    return _runs_page(call)


async def act_runs_get(call: Call) -> web.Response:
    assert call.user is not None
    return _runs_page(call, act_id=find_actor(call.emulator.storage, call.user, call.path["actorId"])["id"])


async def actorTask_runs_get(call: Call) -> web.Response:
    assert call.user is not None
    return _runs_page(
        call, task_id=find_task(call.emulator.storage, call.user, call.path["actorTaskId"])["id"]
    )


def _abort(call: Call, kind: str, job: Doc) -> Doc:
    """Abort a job that is still going: ABORTING, then ABORTED at once. A finished one stays as it is."""
    if job["status"] not in jobs.ABORTABLE:
        return job
    lifecycle = call.emulator.lifecycle
    lifecycle.move(job["id"], {"status": "ABORTING"})
    return lifecycle.move(job["id"], {"status": "ABORTED"})


async def actorRun_abort_post(call: Call) -> web.Response:
    return data_response(call, _abort(call, jobs.RUN, _job(call, jobs.RUN, "runId")))


async def actorBuild_abort_post(call: Call) -> web.Response:
    return data_response(call, _abort(call, jobs.BUILD, _job(call, jobs.BUILD, "buildId")))


async def actorRun_resurrect_post(call: Call) -> web.Response:
    run = _job(call, jobs.RUN, "runId")
    if run["status"] not in jobs.TERMINAL:
        raise InvalidRequest(f"Run {run['id']} is {run['status']}; only a finished run can be resurrected.")
    storage = call.emulator.storage
    actor = storage.actor_by_id(run["actId"])
    behaviour = _behaviour(call, actor, jobs.RUN) if actor else None
    timeout = call.query.get("timeout") or run["options"].get("timeoutSecs")
    return data_response(call, call.emulator.lifecycle.restart(run["id"], behaviour, timeout))


async def act_builds_post(call: Call) -> web.Response:
    assert call.user is not None
    emulator = call.emulator
    actor = find_actor(emulator.storage, call.user, call.path["actorId"])
    version = call.query.get("version") or "0.0"
    number = emulator.storage.list_jobs(jobs.BUILD, call.user.id, 0, 1, False, act_id=actor["id"]).total + 1
    options = {
        "useCache": bool(call.query.get("useCache")),
        "betaPackages": bool(call.query.get("betaPackages")),
        "memoryMbytes": 1024,
        "diskMbytes": 2048,
    }
    build = jobs.new_build(actor, options, version, number, emulator.clock.time())
    emulator.lifecycle.create(jobs.BUILD, build, None, _behaviour(call, actor, jobs.BUILD), None, [])
    build = await _waited(call, jobs.BUILD, build)
    location = f"{base_url(call.request)}/v2/actor-builds/{build['id']}"
    return data_response(call, build, 201, {"Location": location})


async def actorBuild_get(call: Call) -> web.Response:
    return data_response(call, await _waited(call, jobs.BUILD, _job(call, jobs.BUILD, "buildId")))


async def _log(call: Call, job_id: str) -> web.StreamResponse:
    """Plain text; with `stream=1`, kept open and fed until the run or build ends."""
    storage, lifecycle = call.emulator.storage, call.emulator.lifecycle
    state = storage.job_state(job_id)
    if state is None or (call.user is not None and state[1]["userId"] != call.user.id):
        raise RecordNotFound("Log was not found")
    if not call.query.get("stream"):
        return web.Response(text=state[2], content_type="text/plain")
    response = web.StreamResponse(headers={"Content-Type": "text/plain; charset=utf-8"})
    await response.prepare(call.request)
    sent = 0
    try:
        for _ in range(MAX_WAIT_SECS * 60):  # bounded: a stream ends within an hour
            _kind, job, log, _plan = storage.job_state(job_id) or state
            if len(log) > sent:
                await response.write(log[sent:].encode())
                sent = len(log)
            if job["status"] in jobs.TERMINAL:
                break
            await lifecycle.wait_changed(job_id, 1.0)
        await response.write_eof()
    except ConnectionResetError:
        pass  # the reader went away, as clients do once the run has ended
    return response


async def actorRun_log_get(call: Call) -> web.StreamResponse:
    return await _log(call, call.path["runId"])


async def log_get(call: Call) -> web.StreamResponse:
    return await _log(call, call.path["buildOrRunId"])


async def _items(call: Call, dataset_id: str, owner_id: str) -> web.Response:
    storage = call.emulator.storage
    total = storage.dataset_total(dataset_id, owner_id)
    if total is None:
        raise RecordNotFound("Dataset was not found")
    page = PageRequest.from_query(call.query)
    items = storage.dataset_items(dataset_id, total, page.offset, page.limit, page.desc)
    headers = {
        "X-Apify-Pagination-Offset": str(page.offset),
        "X-Apify-Pagination-Limit": str(page.limit),
        "X-Apify-Pagination-Count": str(len(items)),
        "X-Apify-Pagination-Total": str(total),
        "X-Apify-Pagination-Desc": "true" if page.desc else "false",
    }
    return json_response(call, items, headers=headers)


async def dataset_items_get(call: Call) -> web.Response:
    dataset_id = call.path["datasetId"]
    owner = call.emulator.storage.dataset_owner(dataset_id)
    if owner is None or (call.user is not None and owner != call.user.id):
        raise RecordNotFound("Dataset was not found")
    return await _items(call, dataset_id, owner)


async def actorRun_dataset_items_get(call: Call) -> web.Response:
    run = _job(call, jobs.RUN, "runId")
    return await _items(call, run["defaultDatasetId"], run["userId"])
