"""Webhook payload and headers templates, behaving like Apify's ``WebhookPayloadTemplate``.

A template is JSON in which ``{{variable}}`` may stand where a JSON value is expected. apify-shared-js
(``packages/utilities/src/webhook_payload_template.ts``) resolves it in two phases, and this module follows
the same behaviour, quirks included, so a template accepted (or rejected) here is accepted (or rejected) by
the platform, and renders to the same bytes:

1. Parse phase. Try ``JSON.parse``; on failure take the next ``{{`` at or after a cursor and the first ``}}``
   after it. If an even number of ``"`` precede the ``{{`` (a ``"`` right after a backslash does not count),
   the variable is outside a string and is replaced by ``JSON.stringify(value)`` when the value is truthy,
   else by ``null``. The cursor then moves one past the ``{{`` and everything repeats.
2. String phase (only with ``shouldInterpolateStrings``). Strings that are exactly ``{{name}}`` become the raw
   value; other ``{{name}}`` inside strings become JavaScript's ``String(value)``. Keys are untouched.

Only the first segment of a dotted name is checked against :data:`ALLOWED_VARIABLES`.

The JS loop re-parses the whole text once per variable, which is quadratic. Here a parse is attempted only
when it could succeed: a real JSON string lexer, kept in step with the substitutions, proves a text invalid
whenever a ``{{`` remains outside every JSON string (valid JSON never has one there). The outcome is the same
as the JS loop's, but a large template with thousands of variables parses in linear time.

A rendered payload (and a rendered headers object) is at most ``MAX_RENDERED_BYTES``: every phase
stops, with ``TooLarge``, as soon as it knows the result would be larger, so rendering never costs
more than a payload of that size does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from ..limits import MAX_RENDERED_BYTES
from .jsvalues import UNDEFINED, TemplateError, TooLarge, js_key, js_stringify, js_type, to_python
from .substitution import Substitution
from .variables import ALLOWED_VARIABLES, interpolate

__all__ = [
    "ALLOWED_VARIABLES",
    "DEFAULT_PAYLOAD_TEMPLATE",
    "MAX_RENDERED_BYTES",
    "TemplateError",
    "TooLarge",
    "parse_template",
    "render_headers",
    "render_payload",
    "sample_context",
    "validate_headers_template",
    "validate_payload_template",
]


# apify-shared's WEBHOOK_DEFAULT_PAYLOAD_TEMPLATE, byte for byte (no trailing newline).
DEFAULT_PAYLOAD_TEMPLATE: Final[str] = (
    "{\n"
    '    "userId": {{userId}},\n'
    '    "createdAt": {{createdAt}},\n'
    '    "eventType": {{eventType}},\n'
    '    "eventData": {{eventData}},\n'
    '    "resource": {{resource}}\n'
    "}"
)

# RFC 9110 `token`, the only characters allowed in a header name.
_HEADER_NAME_RE: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Control characters other than TAB can never appear in a header value (and CR/LF would inject headers).
_HEADER_VALUE_BAD_RE: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _parse_raw(template: str, context: Mapping[str, Any], interpolate_strings: bool) -> Any:
    """Both phases; the result may still hold undefined (see to_python / js_stringify)."""
    try:
        value = Substitution(template, context, MAX_RENDERED_BYTES).run()
        if interpolate_strings:
            value = interpolate(value, context, MAX_RENDERED_BYTES)
    except RecursionError:
        raise TemplateError("Invalid JSON in template: nested too deeply") from None
    return value


def _guarded(function: Callable[[Any], Any], value: Any) -> Any:
    """Deeply nested values exhaust Python's recursion before JS's; report that as a template error."""
    try:
        return function(value)
    except RecursionError:
        raise TemplateError("Invalid JSON in template: nested too deeply") from None


def parse_template(template: str, context: Mapping[str, Any], *, interpolate_strings: bool) -> Any:
    """Resolve a template against ``context`` exactly as apify-shared's ``WebhookPayloadTemplate.parse``.

    Returns plain Python values (a missing exact-match value drops its object key, or is None in arrays).
    Raises TemplateError for invalid JSON (with the offset where parsing failed) or a variable whose first
    segment is not allowed ('Invalid payload template variable: <name>').
    """
    return _guarded(to_python, _parse_raw(template, context, interpolate_strings))


def render_payload(template: str | None, context: Mapping[str, Any], *, interpolate_strings: bool) -> bytes:
    """The request body to POST: compact UTF-8 JSON, as JSON.stringify would write it.

    A missing, empty or blank template means DEFAULT_PAYLOAD_TEMPLATE.
    """
    if template is None or not template.strip():
        template = DEFAULT_PAYLOAD_TEMPLATE
    raw = _parse_raw(template, context, interpolate_strings)
    text: str = _guarded(lambda value: js_stringify(value, MAX_RENDERED_BYTES), raw)
    body = text.encode("utf-8")
    if len(body) > MAX_RENDERED_BYTES:
        raise TooLarge(MAX_RENDERED_BYTES)
    return body


def _headers_from(value: Any) -> dict[str, str]:
    """Check a rendered headers template: an object of string (or null, left out) values."""
    if not isinstance(value, Mapping):
        raise TemplateError(f"Headers template must be a JSON object, not {js_type(value)}")
    headers: dict[str, str] = {}
    size = 0
    for key, item in value.items():
        name = js_key(key)
        if not _HEADER_NAME_RE.fullmatch(name):
            raise TemplateError(f"Invalid header name in headers template: {name!r}")
        if item is None or item is UNDEFINED:
            continue
        if not isinstance(item, str):
            raise TemplateError(f"Header {name!r} must have a string value, not {js_type(item)}")
        if _HEADER_VALUE_BAD_RE.search(item):
            raise TemplateError(f"Header {name!r} has a control character (such as a newline) in its value")
        size += len(name.encode()) + len(item.encode())
        if size > MAX_RENDERED_BYTES:
            raise TooLarge(MAX_RENDERED_BYTES)
        headers[name] = item
    return headers


def render_headers(
    template: str | None, context: Mapping[str, Any], *, interpolate_strings: bool
) -> dict[str, str]:
    """The extra request headers from a headers template; a missing or blank template gives none.

    Null values (what falsy or missing variables render to) are left out; any other non-string value,
    a non-object result or an invalid header name raises TemplateError naming the problem.
    """
    if template is None or not template.strip():
        return {}
    return _headers_from(_parse_raw(template, context, interpolate_strings))


def sample_context() -> dict[str, Any]:
    """A realistic ACTOR.RUN.SUCCEEDED context, to try templates on when a webhook is created or updated."""
    user_id = "7sT5jcggjjA9fNcxF"
    actor_id = "HDSasDasz78YcAPEB"
    run_id = "HG7ML7M8z78YcAPEB"
    started_at = "2019-12-12T07:34:14.202Z"
    finished_at = "2019-12-12T07:36:13.541Z"
    resource: dict[str, Any] = {
        "id": run_id,
        "actId": actor_id,
        "userId": user_id,
        "actorTaskId": None,
        "startedAt": started_at,
        "finishedAt": finished_at,
        "status": "SUCCEEDED",
        "statusMessage": "Actor finished",
        "isStatusMessageTerminal": True,
        "meta": {"origin": "API", "userAgent": "ApifyClient/3.0.0 (linux; Python/3.11.9); isAtHome/False"},
        "stats": {
            "inputBodyLen": 240,
            "restartCount": 0,
            "resurrectCount": 0,
            "durationMillis": 119339,
            "runTimeSecs": 119.339,
            "computeUnits": 0.0331,
        },
        "options": {"build": "latest", "timeoutSecs": 300, "memoryMbytes": 1024, "diskMbytes": 2048},
        "buildId": "7sT5jcggjjA9fNcxG",
        "exitCode": 0,
        "defaultKeyValueStoreId": "eJNzqsbPiopwJcgGQ",
        "defaultDatasetId": "wmKPijuyDnPZAPRMk",
        "defaultRequestQueueId": "FL35cSF7jrxr3BY39",
        "buildNumber": "0.0.36",
        "containerUrl": "https://g8kd8kbc5ge8.runs.apify.net",
        "usageTotalUsd": 0.2654,
    }
    return {
        "userId": user_id,
        "createdAt": finished_at,
        "eventType": "ACTOR.RUN.SUCCEEDED",
        "eventData": {"actorId": actor_id, "actorRunId": run_id},
        "resource": resource,
        "globals": {"dateISO": finished_at, "dateUnix": 1576136173},
    }


def _modes(interpolate_strings: bool | None) -> tuple[bool, ...]:
    return (False, True) if interpolate_strings is None else (interpolate_strings,)


def validate_payload_template(template: str | None, *, interpolate_strings: bool | None = None) -> None:
    """Reject, at create/update time, a payload template that would fail when an event is dispatched.

    By default both interpolation modes are tried, so a bad variable inside a string is caught even if
    string interpolation is switched on later. None or blank means the default template, which is valid.
    """
    if template is None or not template.strip():
        return
    context = sample_context()
    for mode in _modes(interpolate_strings):
        render_payload(template, context, interpolate_strings=mode)


def validate_headers_template(template: str | None, *, interpolate_strings: bool | None = None) -> None:
    """Reject a headers template that does not render to an object of string/null values with valid names."""
    if template is None or not template.strip():
        return
    context = sample_context()
    for mode in _modes(interpolate_strings):
        _headers_from(_parse_raw(template, context, mode))
