"""How a webhook, Actor or task is built from a validated request body and merged on update."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .. import ids
from ..errors import SchemaValidation
from . import templates
from .types import Record

CONDITION_KEYS = ("actorId", "actorTaskId", "actorRunId")
_WHITESPACE = re.compile(r"\s")


# --- webhooks --------------------------------------------------------------------------------


def _condition(raw: dict[str, Any]) -> dict[str, str]:
    named = {key: raw[key] for key in CONDITION_KEYS if raw.get(key) is not None}
    if len(named) != 1:
        raise SchemaValidation(
            "Invalid value provided in condition: it must name exactly one of actorId, actorTaskId or actorRunId"
        )
    return named


def _request_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or _WHITESPACE.search(url):
        raise SchemaValidation(
            f"Invalid value provided in requestUrl: Webhook URL must be a valid URL ({url!r})"
        )
    return url


def _templates(payload: str | None, headers: str | None, interpolate: bool) -> None:
    """Templates are checked in the mode they will be rendered in: with interpolation off, text
    inside JSON strings is left alone and so is not checked."""
    try:
        templates.validate_payload_template(payload, interpolate_strings=interpolate)
    except templates.TemplateError as error:
        raise SchemaValidation(f"Invalid value provided in payloadTemplate: {error}") from None
    try:
        templates.validate_headers_template(headers, interpolate_strings=interpolate)
    except templates.TemplateError as error:
        raise SchemaValidation(f"Invalid value provided in headersTemplate: {error}") from None


def _payload_template(value: str | None) -> str:
    """An empty or missing payload template means the default one, which is what gets stored."""
    return value if value and value.strip() else templates.DEFAULT_PAYLOAD_TEMPLATE


def new_webhook(body: dict[str, Any], user_id: str, now: str) -> Record:
    """A webhook from a validated create body (WebhookCreate or a run's WebhookRepresentation)."""
    headers = body.get("headersTemplate") or None
    _templates(body.get("payloadTemplate"), headers, bool(body.get("shouldInterpolateStrings")))
    return {
        "id": ids.new_id(),
        "createdAt": now,
        "modifiedAt": now,
        "userId": user_id,
        "isAdHoc": bool(body.get("isAdHoc")),
        "shouldInterpolateStrings": bool(body.get("shouldInterpolateStrings")),
        "eventTypes": body["eventTypes"],
        "condition": _condition(body["condition"]),
        "ignoreSslErrors": bool(body.get("ignoreSslErrors")),
        "doNotRetry": bool(body.get("doNotRetry")),
        "requestUrl": _request_url(body["requestUrl"]),
        "payloadTemplate": _payload_template(body.get("payloadTemplate")),
        "headersTemplate": headers,
        "description": body.get("description"),
        "isApifyIntegration": bool(body.get("isApifyIntegration")),
        "isEnabled": True,
        "actionType": "HTTP_REQUEST",
        "idempotencyKey": body.get("idempotencyKey"),
    }


def updated_webhook(webhook: Record, body: dict[str, Any], now: str) -> Record:
    """A partial update: keys missing from the body keep their value. A null clears an optional
    field (back to its default) and leaves a required one (eventTypes, condition, requestUrl) as it was."""
    merged = dict(webhook)
    for key in ("isAdHoc", "shouldInterpolateStrings", "ignoreSslErrors", "doNotRetry", "isApifyIntegration"):
        if key in body:
            merged[key] = bool(body[key])
    for key in ("description", "idempotencyKey"):
        if key in body:
            merged[key] = body[key]
    if body.get("eventTypes") is not None:
        merged["eventTypes"] = body["eventTypes"]
    if body.get("condition") is not None:
        merged["condition"] = _condition(body["condition"])
    if body.get("requestUrl") is not None:
        merged["requestUrl"] = _request_url(body["requestUrl"])
    if "payloadTemplate" in body:
        merged["payloadTemplate"] = _payload_template(body["payloadTemplate"])
    if "headersTemplate" in body:
        merged["headersTemplate"] = body["headersTemplate"] or None
    _templates(merged["payloadTemplate"], merged["headersTemplate"], merged["shouldInterpolateStrings"])
    merged["modifiedAt"] = now
    return merged


# --- Actors ----------------------------------------------------------------------------------


# Fields the create bodies accept and the records keep as given.
_ACTOR_EXTRAS = ("actorPermissionLevel", "isDeprecated", "actorStandby", "pricingInfos", "taggedBuilds")
_TASK_EXTRAS = ("actorStandby", "publicConfig")


def _extras(body: dict[str, Any], keys: tuple[str, ...]) -> Record:
    return {key: body[key] for key in keys if body.get(key) is not None}


def new_actor(body: dict[str, Any], user_id: str, username: str, now: str) -> Record:
    actor_id = ids.new_id()
    return _extras(body, _ACTOR_EXTRAS) | {
        "id": actor_id,
        "userId": user_id,
        "name": body.get("name") or f"actor-{actor_id.lower()}",
        "username": username,
        "title": body.get("title"),
        "description": body.get("description"),
        "isPublic": bool(body.get("isPublic")),
        "createdAt": now,
        "modifiedAt": now,
        "restartOnError": bool(body.get("restartOnError")),
        "stats": {"totalBuilds": 0, "totalRuns": 0, "totalUsers": 1, "totalMetamorphs": 0},
        "versions": body.get("versions") or [],
        "defaultRunOptions": {"build": "latest", "timeoutSecs": 3600, "memoryMbytes": 1024}
        # A null member keeps the default, as for task options (the Actor schema has no nulls here).
        | {k: v for k, v in (body.get("defaultRunOptions") or {}).items() if v is not None},
        "exampleRunInput": body.get("exampleRunInput"),
        "categories": body.get("categories") or [],
        "seoTitle": body.get("seoTitle"),
        "seoDescription": body.get("seoDescription"),
    }


def _merged_options(stored: Record | None, given: Record | None) -> Record:
    """Run options after an update: given members replace stored ones; a null member keeps the
    stored value (as on create, where it keeps the default)."""
    return (stored or {}) | {k: v for k, v in (given or {}).items() if v is not None}


# On update, a null leaves these as they were (a record always has them), clears these to their
# empty value, clears any other field to null, or removes one the record keeps only once given
# (`_ACTOR_EXTRAS`, `_TASK_EXTRAS`).
_KEPT = ("name", "isPublic", "restartOnError")
_CLEARED: dict[str, Any] = {"categories": [], "versions": [], "input": {}}


def _updated(record: Record, body: dict[str, Any], extras: tuple[str, ...], now: str) -> Record:
    """A partial update (PUT): keys missing from the body keep their value."""
    merged = dict(record)
    for key, value in body.items():
        if value is None and key in _KEPT:
            continue
        if value is None and key in extras:
            merged.pop(key, None)
        elif value is None:
            merged[key] = _CLEARED.get(key)
        else:
            merged[key] = value
    merged["modifiedAt"] = now
    return merged


def updated_actor(actor: Record, body: dict[str, Any], now: str) -> Record:
    """The Actor after `PUT /v2/actors/{actorId}`; its run options are merged member by member."""
    merged = _updated(actor, {k: v for k, v in body.items() if k != "defaultRunOptions"}, _ACTOR_EXTRAS, now)
    merged["defaultRunOptions"] = _merged_options(
        actor.get("defaultRunOptions"), body.get("defaultRunOptions")
    )
    return merged


# --- tasks -----------------------------------------------------------------------------------


def new_task(body: dict[str, Any], actor: Record, username: str, now: str) -> Record:
    task_id = ids.new_id()
    return _extras(body, _TASK_EXTRAS) | {
        "id": task_id,
        "userId": actor["userId"],
        "actId": actor["id"],
        "name": body.get("name") or f"{actor['name']}-task-{task_id.lower()}",
        "username": username,
        "createdAt": now,
        "modifiedAt": now,
        "removedAt": None,
        "stats": {"totalRuns": 0},
        "options": body.get("options") or {},
        "input": body.get("input") or {},
        "title": body.get("title"),
        "description": body.get("description"),
        # Kept for list items (TaskShort), which show the Actor's name and owner.
        "actName": actor["name"],
        "actUsername": actor["username"],
    }


def updated_task(task: Record, body: dict[str, Any], now: str) -> Record:
    """The task after `PUT /v2/actor-tasks/{actorTaskId}`: its options are merged member by member
    (a null member drops that option, so the Actor's default applies again); its input is replaced."""
    merged = _updated(task, {k: v for k, v in body.items() if k != "options"}, _TASK_EXTRAS, now)
    if "options" in body:
        options = {**(task.get("options") or {}), **(body["options"] or {})}
        merged["options"] = {k: v for k, v in options.items() if v is not None}
    return merged
