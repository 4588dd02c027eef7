"""How records look in responses: full and short forms, and the JSON bytes (pretty-printed, with
webhook list items kept pre-rendered).

A list page is ten stored webhooks; parsing each, dropping the fields lists omit and serializing
them again was most of a list request's cost. Instead the list form of a webhook is rendered once
per write, indented for its one place in a response (`data.items[i]`), without the two fields
dispatches change; a page splices those bytes into one array."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from .types import Record, User

# Stored with a webhook but never shown in a response.
INTERNAL = ("idempotencyKey",)
# What a list item (WebhookShort) leaves out of the full webhook.
SHORT_OMITS = (*INTERNAL, "payloadTemplate", "headersTemplate", "description")
_DYNAMIC = ("lastDispatch", "stats")
_ITEM_DEPTH = 3  # {"data": {"items": [here]}}
_ITEM_BREAK = b"\n" + b"  " * _ITEM_DEPTH


def dumps(value: Any) -> bytes:
    """Every response body: pretty-printed with two spaces, as api.apify.com answers."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


def short_head(webhook: dict[str, Any]) -> bytes:
    """The webhook's list item as placed in a list response, up to its dynamic fields."""
    static = {k: v for k, v in webhook.items() if k not in SHORT_OMITS and k not in _DYNAMIC}
    rendered = dumps(static)
    assert rendered.endswith(b"\n}"), "a webhook always has fields"
    return rendered[:-2].replace(b"\n", _ITEM_BREAK)


def short_items(rows: Iterable[tuple[bytes, bytes | None, int]]) -> orjson.Fragment:
    """The `items` array of a webhook list, from (short_head, last_dispatch, total_dispatches) rows."""
    items = [
        b'%s,\n        "lastDispatch": %s,\n        "stats": {\n          "totalDispatches": %d\n        }\n      }'
        % (head, _last_dispatch(last), total)
        for head, last, total in rows
    ]
    if not items:
        return orjson.Fragment(b"[]")
    return orjson.Fragment(b"[" + _ITEM_BREAK + (b"," + _ITEM_BREAK).join(items) + b"\n    ]")


def _last_dispatch(stored: bytes | None) -> bytes:
    if stored is None:
        return b"null"
    return dumps(orjson.loads(stored)).replace(b"\n", b"\n        ")


def webhook_full(webhook: Record) -> Record:
    """The webhook as responses show it. Works in place on a freshly loaded document."""
    for key in INTERNAL:
        webhook.pop(key, None)
    return webhook


def actor_short(actor: Record) -> Record:
    keys = ("id", "createdAt", "modifiedAt", "name", "username", "title", "stats")
    return {key: actor.get(key) for key in keys}


def task_full(task: Record) -> Record:
    return {k: v for k, v in task.items() if k not in ("actName", "actUsername")}


def task_short(task: Record) -> Record:
    keys = ("id", "userId", "actId", "actName", "name", "username", "actUsername", "createdAt", "modifiedAt")
    return {key: task.get(key) for key in keys} | {"stats": task.get("stats")}


# RunShort and BuildShort: what Apify's run and build lists show of each job.
_RUN_SHORT = (
    "id",
    "actId",
    "userId",
    "actorTaskId",
    "status",
    "startedAt",
    "finishedAt",
    "buildId",
    "buildNumber",
    "meta",
    "usageTotalUsd",
    "defaultKeyValueStoreId",
    "defaultDatasetId",
    "defaultRequestQueueId",
)
_BUILD_SHORT = (
    "id",
    "actId",
    "userId",
    "status",
    "startedAt",
    "finishedAt",
    "usageTotalUsd",
    "buildNumber",
    "meta",
)


def run_short(run: Record) -> Record:
    # A run stored before usage was recorded costs nothing too.
    return {key: run.get(key) for key in _RUN_SHORT} | {"usageTotalUsd": run.get("usageTotalUsd", 0)}


def build_short(build: Record) -> Record:
    return {key: build.get(key) for key in _BUILD_SHORT} | {"usageTotalUsd": build.get("usageTotalUsd", 0)}


# The platform features Apify's user object lists (its OpenAPI schema `EffectivePlatformFeatures`).
_PLATFORM_FEATURES = (
    "ACTORS",
    "STORAGE",
    "SCHEDULER",
    "PROXY",
    "PROXY_EXTERNAL_ACCESS",
    "PROXY_RESIDENTIAL",
    "PROXY_SERPS",
    "WEBHOOKS",
    "ACTORS_PUBLIC_ALL",
    "ACTORS_PUBLIC_DEVELOPER",
)


def user_public(user: User) -> Record:
    """`GET /v2/users/{userId}`: what anyone may see of a user."""
    return {"username": user.username, "profile": {}}


def user_private(user: User, created_at: str) -> Record:
    """`GET /v2/users/me`: the token's own user, with every field the official clients require; an
    emulated user has a free plan with every feature on and no proxy."""
    feature = {"isEnabled": True, "disabledReason": None, "disabledReasonType": None, "isTrial": False}
    return {
        "id": user.id,
        "username": user.username,
        "profile": {},
        "email": f"{user.username}@mock-apify.local",
        "proxy": {"password": "", "groups": []},
        "plan": {"id": "FREE", "isEnabled": True, "availableProxyGroups": {}},
        "effectivePlatformFeatures": {
            name: feature | {"trialExpirationAt": None} for name in _PLATFORM_FEATURES
        },
        "createdAt": created_at,
        "isPaying": False,
    }
