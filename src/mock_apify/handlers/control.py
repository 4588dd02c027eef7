"""Emulator control under /_mock: local test controls, not part of Apify's API, and unauthenticated."""

from __future__ import annotations

from aiohttp import web

from .. import __version__, jobs, payload_template
from ..clock import VirtualClock
from ..errors import InvalidRequest, RecordNotFound, SchemaValidation, UsernameTaken
from ..http import Call, data_response, json_response
from ..ids import new_id, new_token
from ..settle import settle
from ..storage import User


async def mock_health_get(call: Call) -> web.Response:
    return data_response(call, {"status": "ok", "version": __version__})


async def mock_reset_post(call: Call) -> web.Response:
    emulator = call.emulator
    user_id = (call.body or {}).get("userId")
    if user_id is None:
        emulator.reset()
        return data_response(call, {"reset": "all", "userId": None})
    if emulator.storage.user_by_id(user_id) is None:
        raise RecordNotFound("User was not found")
    emulator.storage.wipe_user(user_id)
    return data_response(call, {"reset": "user", "userId": user_id})


async def mock_users_post(call: Call) -> web.Response:
    user_id = new_id()
    username = (call.body or {}).get("username") or f"user-{user_id.lower()}"
    user = User(user_id, username, new_token())
    if not call.emulator.storage.add_user(user, call.emulator.clock.now_iso()):
        raise UsernameTaken(f"The username '{username}' is already taken.")
    return data_response(call, {"id": user.id, "username": user.username, "token": user.token}, 201)


async def mock_openapi_get(call: Call) -> web.Response:
    return json_response(call, call.emulator.document)


def _clock_state(call: Call) -> dict[str, object]:
    clock = call.emulator.clock
    return {"mode": call.emulator.config.clock, "now": clock.now_iso(), "epochSeconds": clock.time()}


async def mock_clock_get(call: Call) -> web.Response:
    return data_response(call, _clock_state(call))


async def mock_clock_advance_post(call: Call) -> web.Response:
    assert call.body is not None
    clock = call.emulator.clock
    if not isinstance(clock, VirtualClock):
        raise InvalidRequest("The clock is real; start the emulator with the virtual clock to move it.")
    clock.advance(call.body["seconds"])
    call.emulator.dispatcher.kick()
    call.emulator.lifecycle.kick()
    return data_response(call, _clock_state(call))


async def mock_dispatches_settle_post(call: Call) -> web.Response:
    body = call.body or {}
    emulator = call.emulator
    settled = await settle(
        [emulator.lifecycle, emulator.dispatcher],
        emulator.clock,
        # int(): JSON Schema counts 242.0 as an integer, and range() would refuse the float.
        max_rounds=int(body.get("maxRounds") or 1000),
        time_limit=body.get("timeoutSecs") or 30.0,
    )
    pending = call.emulator.storage.active_dispatch_count()
    return data_response(call, {"settled": settled, "pending": pending, "clock": _clock_state(call)})


async def mock_render_template_post(call: Call) -> web.Response:
    """The exact bytes and headers a dispatch would send for a sample (or given) event."""
    assert call.body is not None
    body = call.body
    context = payload_template.sample_context() | (body.get("context") or {})
    interpolate = bool(body.get("shouldInterpolateStrings"))
    rendered: dict[str, object] = {}
    for field, render in (
        ("payloadTemplate", payload_template.render_payload),
        ("headersTemplate", payload_template.render_headers),
    ):
        try:
            rendered[field] = render(body.get(field), context, interpolate_strings=interpolate)
        except payload_template.TemplateError as error:
            raise SchemaValidation(f"Invalid value provided in {field}: {error}") from None
    payload = rendered["payloadTemplate"]
    assert isinstance(payload, bytes)
    return data_response(call, {"payload": payload.decode(), "headers": rendered["headersTemplate"]})


def _any_actor(call: Call) -> dict[str, object]:
    actor = call.emulator.storage.actor_by_id(call.path["actorId"])
    if actor is None:
        raise RecordNotFound("Actor was not found")
    return actor


async def mock_actor_behaviour_put(call: Call) -> web.Response:
    """How the Actor's future runs and builds end (fixtures can set the same)."""
    actor = _any_actor(call)
    behaviour = call.body or {}
    call.emulator.storage.set_behaviour(actor, behaviour)
    return data_response(call, {"actorId": actor["id"], **behaviour})


async def mock_actor_behaviour_get(call: Call) -> web.Response:
    actor = _any_actor(call)
    return data_response(
        call, {"actorId": actor["id"], **(call.emulator.storage.get_behaviour(str(actor["id"])) or {})}
    )


async def _move(call: Call, kind: str, key: str) -> web.Response:
    assert call.body is not None
    job = call.emulator.storage.get_job(kind, call.path[key])
    if job is None:
        raise RecordNotFound("Actor run was not found" if kind == jobs.RUN else "Actor build was not found")
    if call.body.get("items") and kind != jobs.RUN:
        raise InvalidRequest("Only runs have a dataset for items.")
    return data_response(call, call.emulator.lifecycle.move(job["id"], call.body))


async def mock_actor_run_status_post(call: Call) -> web.Response:
    return await _move(call, jobs.RUN, "runId")


async def mock_actor_build_status_post(call: Call) -> web.Response:
    return await _move(call, jobs.BUILD, "buildId")


async def mock_actor_run_get(call: Call) -> web.Response:
    """A run with what Apify's API does not show in one place: its input and its log."""
    storage = call.emulator.storage
    run = storage.get_job(jobs.RUN, call.path["runId"])
    if run is None:
        raise RecordNotFound("Actor run was not found")
    return data_response(
        call, {"run": run, "input": storage.job_input(run["id"]), "log": storage.job_log(run["id"])}
    )
