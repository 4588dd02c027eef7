"""Webhook events and the dispatches they make: the template context of an event, the dispatch
record the API shows, and the exact HTTP request every attempt of it sends."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ..ids import iso
from . import jobs, templates
from .types import Record

# Headers the system sets; a headers template cannot override them.
_SYSTEM_HEADERS = ("Content-Type", "X-Apify-Webhook", "X-Apify-Webhook-Dispatch-Id", "X-Apify-Request-Origin")
_TRANSPORT_HEADERS = ("host", "content-length", "transfer-encoding", "connection")

# What a TEST dispatch carries when its webhook's source has no run or build to show: "a random
# joke in the webhook payload" (https://docs.apify.com/platform/integrations/actors, "Test your
# integration").
_JOKES = (
    "Why do programmers prefer dark mode? Because light attracts bugs.",
    "A webhook walks into a bar. The bartender says: we'll call you.",
    "There are 10 kinds of people: those who understand binary and those who don't.",
)


@dataclass(frozen=True)
class Event:
    """What a dispatch reports: the `eventType`, `eventData` and `resource` template variables."""

    type: str
    data: dict[str, Any] | None
    resource: Any
    at: float  # when the event happened, epoch seconds on the emulator's clock

    def context(self, user_id: str) -> dict[str, Any]:
        return {
            "userId": user_id,
            "createdAt": iso(self.at),
            "eventType": self.type,
            "eventData": self.data,
            "resource": self.resource,
            "globals": {"dateISO": iso(self.at), "dateUnix": int(self.at)},
        }


def job_event(event_type: str, kind: str, job: Record, at: float) -> Event:
    """An event of a run or build; its `resource` is the job as GET shows it at that moment."""
    return Event(event_type, jobs.event_data(kind, job), job, at)


def make_test_event(source: tuple[str, Record] | None, at: float) -> Event:
    """A TEST event about a past run or build of the webhook's source, else about a joke."""
    if source is None:
        return Event("TEST", None, {"joke": random.choice(_JOKES)}, at)
    kind, job = source
    return job_event("TEST", kind, job, at)


def new_dispatch(dispatch_id: str, webhook: Record, event: Event) -> Record:
    """A dispatch as the API shows it, before its status and calls (which change as it is delivered)."""
    return {
        "id": dispatch_id,
        "userId": webhook["userId"],
        "webhookId": webhook["id"],
        "createdAt": iso(event.at),
        "eventType": event.type,
        "eventData": event.data,
        "webhook": {
            "actionType": "HTTP_REQUEST",
            "condition": webhook["condition"],
            "requestUrl": webhook["requestUrl"],
            "isAdHoc": webhook["isAdHoc"],
        },
    }


def request_headers(template_headers: dict[str, str], webhook_id: str, dispatch_id: str) -> dict[str, str]:
    """The rendered headers template, with the system headers set over it (case-insensitively)."""
    reserved = {name.lower() for name in _SYSTEM_HEADERS} | set(_TRANSPORT_HEADERS)
    headers = {k: v for k, v in template_headers.items() if k.lower() not in reserved}
    headers.update(
        {
            "Content-Type": "application/json",
            "X-Apify-Webhook": webhook_id,
            "X-Apify-Webhook-Dispatch-Id": dispatch_id,
            "X-Apify-Request-Origin": "WEBHOOK",
        }
    )
    return headers


def delivery_request(webhook: Record, event: Event, dispatch_id: str) -> Record:
    """What every attempt of a dispatch sends, as stored with it: the webhook's templates and
    settings as they are now, and the event's template context. Rendering waits for the attempt
    (`render_request`), so making a dispatch costs the same whatever the template."""
    return {
        "url": webhook["requestUrl"],
        "ignoreSslErrors": bool(webhook.get("ignoreSslErrors")),
        "doNotRetry": bool(webhook.get("doNotRetry")),
        "webhookId": webhook["id"],
        "dispatchId": dispatch_id,
        "payloadTemplate": webhook.get("payloadTemplate"),
        "headersTemplate": webhook.get("headersTemplate"),
        "shouldInterpolateStrings": bool(webhook.get("shouldInterpolateStrings")),
        "context": event.context(webhook["userId"]),
    }


# Templates this short render in well under a millisecond whatever they name, since the event data
# is bounded: Apify's default payload template in about 0.2 ms, 128 characters of `{{resource}}`
# in 0.5 ms.
_QUICK_TEMPLATE = 128


def quick_to_render(request: Record) -> bool:
    """Whether a stored request's templates are short enough to render on the event loop. The
    default payload template counts as short: every webhook created without one stores it."""
    return all(
        (template := request.get(key) or "") == templates.DEFAULT_PAYLOAD_TEMPLATE
        or len(template) <= _QUICK_TEMPLATE
        for key in ("payloadTemplate", "headersTemplate")
    )


def render_request(request: Record) -> Record:
    """The exact request of an attempt: `url`, `body` (bytes), `headers` and the settings; a
    template that cannot be rendered (too large, say, for this event's data) gives `renderError`
    instead, and the dispatch fails with it. CPU work only, for a worker thread. (A request stored
    by an older version is already rendered.)"""
    if "body" in request or "renderError" in request:
        return request
    rendered = {key: request[key] for key in ("url", "ignoreSslErrors", "doNotRetry")}
    context, interpolate = request["context"], request["shouldInterpolateStrings"]
    try:
        body = templates.render_payload(request["payloadTemplate"], context, interpolate_strings=interpolate)
        template_headers = templates.render_headers(
            request["headersTemplate"], context, interpolate_strings=interpolate
        )
    except templates.TemplateError as error:
        return rendered | {"renderError": f"The webhook's template could not be rendered: {error}"}
    headers = request_headers(template_headers, request["webhookId"], request["dispatchId"])
    return rendered | {"body": body, "headers": headers}
