"""/v2/webhooks and the per-Actor and per-task webhook lists."""

from __future__ import annotations

from aiohttp import web

from .. import models
from ..errors import RecordNotFound, SchemaValidation, TooManyWebhooks
from ..http import Call, base_url, data_response, no_content
from ..lookups import check_condition_target, find_actor, find_task
from ..pagination import PageRequest
from ..rendering import short_items
from ..storage import Doc, IdempotencyKeyTaken, WebhookLimitReached


def get_webhook(call: Call) -> Doc:
    webhook = call.emulator.storage.get_webhook(call.user_id, call.path["webhookId"])
    if webhook is None:
        raise RecordNotFound("Webhook was not found")
    return webhook


async def webhooks_get(call: Call) -> web.Response:
    page = PageRequest.from_query(call.query)
    listed = call.emulator.storage.list_webhook_items(call.user_id, page.offset, page.limit, page.desc)
    return data_response(call, page.rendered_envelope(listed, short_items))


async def webhooks_post(call: Call) -> web.Response:
    assert call.body is not None
    storage = call.emulator.storage
    webhook = models.new_webhook(call.body, call.user_id, call.emulator.clock.now_iso())
    check_condition_target(storage, call.user_id, webhook["condition"])
    try:
        stored, _created = storage.insert_webhook(
            webhook, max_per_user=call.emulator.config.max_webhooks_per_user
        )
    except WebhookLimitReached:
        raise TooManyWebhooks(call.emulator.config.max_webhooks_per_user) from None
    # A repeated idempotency key answers 201 with the existing webhook, as the facts sheet guesses.
    location = f"{base_url(call.request)}/v2/webhooks/{stored['id']}"
    return data_response(call, models.webhook_full(stored), 201, {"Location": location})


async def webhook_get(call: Call) -> web.Response:
    return data_response(call, models.webhook_full(get_webhook(call)))


async def webhook_put(call: Call) -> web.Response:
    assert call.body is not None
    storage = call.emulator.storage
    webhook = get_webhook(call)
    merged = models.updated_webhook(webhook, call.body, call.emulator.clock.now_iso())
    if merged["condition"] != webhook["condition"]:
        check_condition_target(storage, call.user_id, merged["condition"])
    try:
        updated = storage.update_webhook(merged)
    except IdempotencyKeyTaken:
        raise SchemaValidation(
            "Invalid value provided in idempotencyKey: another of your webhooks already has this key"
        ) from None
    if not updated:
        raise RecordNotFound("Webhook was not found")
    return data_response(call, models.webhook_full(merged))


async def webhook_delete(call: Call) -> web.Response:
    """Deleting a webhook ends its pending dispatches as FAILED; their history stays readable."""
    removal = {
        "startedAt": None,
        "finishedAt": call.emulator.clock.now_iso(),
        "errorMessage": "Webhook was removed.",
        "responseStatus": None,
        "responseBody": None,
    }
    if not call.emulator.storage.delete_webhook(call.user_id, call.path["webhookId"], removal):
        raise RecordNotFound("Webhook was not found")
    return no_content()


async def act_webhooks_get(call: Call) -> web.Response:
    assert call.user is not None
    actor = find_actor(call.emulator.storage, call.user, call.path["actorId"])
    page = PageRequest.from_query(call.query)
    listed = call.emulator.storage.list_webhook_items(
        call.user_id, page.offset, page.limit, page.desc, condition={"actorId": actor["id"]}
    )
    return data_response(call, page.rendered_envelope(listed, short_items))


async def actorTask_webhooks_get(call: Call) -> web.Response:
    assert call.user is not None
    task = find_task(call.emulator.storage, call.user, call.path["actorTaskId"])
    page = PageRequest.from_query(call.query)
    items = call.emulator.storage.list_webhooks(
        call.user_id, page.offset, page.limit, page.desc, condition={"actorTaskId": task["id"]}
    )
    return data_response(call, page.envelope(items, models.webhook_full))
