"""POST /v2/webhooks/{id}/test and the dispatch listings."""

from __future__ import annotations

import random

from aiohttp import web

from .. import jobs
from ..dispatcher import Event
from ..errors import IdDoesNotMatch, RecordNotFound
from ..http import Call, data_response
from ..pagination import PageRequest
from ..storage import Doc
from .webhooks import get_webhook

# What a test dispatch carries when its webhook's source has no run or build to show (facts §3.9).
_JOKES = (
    "Why do programmers prefer dark mode? Because light attracts bugs.",
    "A webhook walks into a bar. The bartender says: we'll call you.",
    "There are 10 kinds of people: those who understand binary and those who don't.",
)


def _test_source(call: Call, webhook: Doc) -> tuple[str, Doc] | None:
    """The run or build a TEST dispatch shows: the one the body names (it must match the
    webhook's condition), else the latest run, then build, of the webhook's source (facts §3.9)."""
    storage, condition, user_id = call.emulator.storage, webhook["condition"], call.user_id
    body = call.body or {}
    if body.get("resourceId"):
        kind = jobs.BUILD if body.get("resourceType") == "BUILD" else jobs.RUN
        job = storage.get_job(kind, body["resourceId"], user_id)
        if job is None:
            raise RecordNotFound(
                "Actor build was not found" if kind == jobs.BUILD else "Actor run was not found"
            )
        if webhook["id"] not in {w["id"] for w in call.emulator.lifecycle.matching(kind, job)}:
            raise IdDoesNotMatch(f"The {kind} {job['id']} does not match the webhook's condition.")
        return kind, job
    if "actorRunId" in condition:
        run = storage.get_job(jobs.RUN, condition["actorRunId"], user_id)
        return (jobs.RUN, run) if run else None
    if "actorTaskId" in condition:
        run = storage.latest_job(jobs.RUN, user_id, task_id=condition["actorTaskId"])
        return (jobs.RUN, run) if run else None
    run = storage.latest_job(jobs.RUN, user_id, act_id=condition["actorId"])
    if run:
        return jobs.RUN, run
    build = storage.latest_job(jobs.BUILD, user_id, act_id=condition["actorId"])
    return (jobs.BUILD, build) if build else None


async def webhook_test_post(call: Call) -> web.Response:
    webhook = get_webhook(call)
    now = call.emulator.clock.time()
    source = _test_source(call, webhook)
    if source is None:
        event = Event("TEST", None, {"joke": random.choice(_JOKES)}, now)
    else:
        kind, job = source
        event = Event("TEST", jobs.event_data(kind, job), job, now)
    return data_response(call, call.emulator.dispatcher.dispatch(webhook, event), 201)


async def webhook_webhookDispatches_get(call: Call) -> web.Response:
    webhook = get_webhook(call)
    page = PageRequest.from_query(call.query)
    items = call.emulator.storage.list_webhook_dispatches(webhook, page.offset, page.limit, page.desc)
    return data_response(call, page.envelope(items))


async def webhookDispatches_get(call: Call) -> web.Response:
    page = PageRequest.from_query(call.query)
    items = call.emulator.storage.list_dispatches(call.user_id, page.offset, page.limit, page.desc)
    return data_response(call, page.envelope(items))


async def webhookDispatch_get(call: Call) -> web.Response:
    dispatch = call.emulator.storage.get_dispatch(call.user_id, call.path["dispatchId"])
    if dispatch is None:
        raise RecordNotFound("Webhook dispatch was not found")
    return data_response(call, dispatch)
