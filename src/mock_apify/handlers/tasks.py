"""/v2/actor-tasks: enough of tasks for webhooks to point at them."""

from __future__ import annotations

from aiohttp import web

from .. import models
from ..errors import TaskNameNotUnique
from ..http import Call, base_url, data_response, no_content
from ..lookups import find_actor, find_task
from ..pagination import PageRequest


async def actorTasks_get(call: Call) -> web.Response:
    page = PageRequest.from_query(call.query)
    items = call.emulator.storage.list_tasks(call.user_id, page.offset, page.limit, page.desc)
    return data_response(call, page.envelope(items, models.task_short))


async def actorTasks_post(call: Call) -> web.Response:
    assert call.user is not None and call.body is not None
    storage = call.emulator.storage
    actor = find_actor(storage, call.user, call.body["actId"])
    task = models.new_task(call.body, actor, call.user.username, call.emulator.clock.now_iso())
    if not storage.insert_task(task):
        raise TaskNameNotUnique(f"You already have a task named '{task['name']}'.")
    location = f"{base_url(call.request)}/v2/actor-tasks/{task['id']}"
    return data_response(call, models.task_full(task), 201, {"Location": location})


async def actorTask_get(call: Call) -> web.Response:
    assert call.user is not None
    return data_response(
        call, models.task_full(find_task(call.emulator.storage, call.user, call.path["actorTaskId"]))
    )


async def actorTask_delete(call: Call) -> web.Response:
    assert call.user is not None
    task = find_task(call.emulator.storage, call.user, call.path["actorTaskId"])
    call.emulator.storage.delete_task(call.user.id, task["id"])
    return no_content()
