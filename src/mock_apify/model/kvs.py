"""Key-value stores and their records as data: a new store, Apify's rule for record keys, a page of
keys, and the records a run starts with (`INPUT`) and ends with (its behaviour's `output` and
`records`). No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from .types import Record

INPUT, OUTPUT = "INPUT", "OUTPUT"
JSON_TYPE = "application/json; charset=utf-8"
MAX_KEYS = 1000
# apify-shared's KEY_VALUE_STORE_KEY_REGEX: 1 to 256 letters, digits and ! - _ . * ' ( ) \ /.
_KEY = re.compile(r"[a-zA-Z0-9!\-_.*'()\\/]{1,256}")
# Apify's storage names: letters, digits and hyphens, at most 63 (also the document's pattern).
_NAME = re.compile(r"[a-zA-Z0-9-]{1,63}")


@dataclass(frozen=True)
class Value:
    """A record's bytes and the Content-Type they are served with."""

    data: bytes
    content_type: str


def key_problem(key: str) -> str | None:
    """Why Apify would refuse `key` as a record key, or None."""
    if _KEY.fullmatch(key):
        return None
    return (
        f"The record key {key[:300]!r} is not valid: a key has 1 to 256 characters, each a letter, "
        "a digit or one of ! - _ . * ' ( ) \\ /"
    )


def type_problem(content_type: str) -> str | None:
    """Why a Content-Type could not be served back as a header (it must be printable ASCII)."""
    if content_type.isascii() and content_type.isprintable() and len(content_type) <= 1000:
        return None
    return "The Content-Type of a record must be printable ASCII, at most 1000 characters."


def is_name(text: str) -> bool:
    return _NAME.fullmatch(text) is not None


def new_store(
    store_id: str,
    user_id: str,
    name: str | None,
    now: str,
    *,
    act_id: str | None = None,
    run_id: str | None = None,
) -> Record:
    """A store's fixed fields (those a record write leaves alone)."""
    return {
        "id": store_id,
        "name": name,
        "userId": user_id,
        "createdAt": now,
        "actId": act_id,
        "actRunId": run_id,
        "generalAccess": "FOLLOW_USER_SETTING",
    }


def default_store(kind: str, job: Record) -> Record:
    """The default store of a run or build, made with it."""
    run_id = job["id"] if kind == "run" else None
    return new_store(
        job["defaultKeyValueStoreId"],
        job["userId"],
        None,
        job["startedAt"],
        act_id=job["actId"],
        run_id=run_id,
    )


def key_page(
    base_url: str, store_id: str, rows: list[tuple[str, int]], limit: int, start: str | None
) -> Record:
    """Apify's keys envelope from up to `limit + 1` (key, size) rows in key order: one more than
    the limit means the list goes on after this page."""
    page = rows[:limit]
    truncated = len(rows) > limit
    records_url = f"{base_url}/v2/key-value-stores/{store_id}/records/"
    return {
        "items": [
            {"key": key, "size": size, "recordPublicUrl": records_url + quote(key, safe="")}
            for key, size in page
        ],
        "count": len(page),
        "limit": limit,
        "exclusiveStartKey": start,
        "isTruncated": truncated,
        "nextExclusiveStartKey": page[-1][0] if truncated else None,
    }


def is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def encoded(value: Any, content_type: str | None, where: str) -> Value | str:
    """A record given as data (a behaviour, a seed): JSON unless `content_type` says otherwise,
    when `value` must be the text itself. A str is the problem, for the caller to refuse."""
    if content_type is None or is_json(content_type):
        return Value(orjson.dumps(value, option=orjson.OPT_INDENT_2), content_type or JSON_TYPE)
    if not isinstance(value, str):
        return f"{where}: a record of content type {content_type!r} needs its value as a string"
    return Value(value.encode(), content_type)


def given_records(given: Record, where: str) -> dict[str, Value] | str:
    """Records given as `{key: {"value", "contentType"?}}`, encoded; or the first problem."""
    found: dict[str, Value] = {}
    for key, record in given.items():
        if problem := key_problem(key):
            return f"{where}: {problem}"
        value = encoded(record.get("value"), record.get("contentType"), f"{where}.{key}")
        if isinstance(value, str):
            return value
        found[key] = value
    return found


def ending_records(behaviour: Record | None) -> dict[str, Value] | str:
    """What a run's behaviour writes into its default store as it ends: its `records`, and its
    `output` as the OUTPUT record when it ends SUCCEEDED; or the first problem."""
    chosen = behaviour or {}
    found = given_records(chosen.get("records") or {}, "records")
    if isinstance(found, str) or "output" not in chosen or chosen.get("status", "SUCCEEDED") != "SUCCEEDED":
        return found
    output = encoded(chosen["output"], chosen.get("outputContentType"), "output")
    return output if isinstance(output, str) else found | {OUTPUT: output}


def input_record(job_input: Any, raw: bytes | None, content_type: str | None) -> Value | None:
    """A run's INPUT record: the body as sent, with its Content-Type; for a task's run (no `raw`),
    the input the task and the body made together, as JSON. None when there was no input."""
    if raw is not None and raw.strip():
        return Value(raw, content_type or (JSON_TYPE if not isinstance(job_input, str) else "text/plain"))
    if job_input is None:
        return None
    return Value(orjson.dumps(job_input, option=orjson.OPT_INDENT_2), JSON_TYPE)
