"""The scripted series of `check-receiver`: each step makes one realistic delivery (or a pair)
through the emulator's dispatcher, and names the expectations its answers are judged against."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import firing
from .expectations import ANSWERS_2XX, ANY_ORDER, NO_REDIRECT, SAME_DUPLICATE, TEST_EVENT, UNKNOWN_FIELDS

Record = dict[str, Any]

# A custom template as Apify's documentation shows them: the default fields and more, some of
# them `{{variables}}` inside strings (shouldInterpolateStrings).
SAMPLE_TEMPLATE = """{
    "userId": {{userId}},
    "createdAt": {{createdAt}},
    "eventType": {{eventType}},
    "eventData": {{eventData}},
    "resource": {{resource}},
    "text": "Run {{resource.id}} of Actor {{eventData.actorId}} is {{resource.status}}",
    "sentAt": {{globals.dateISO}}
}"""
SAMPLE_HEADERS = '{"X-Mock-Apify-Check": "custom-template"}'
# Apify's default payload with fields no receiver knows, and a header it does not expect.
UNKNOWN_FIELDS_TEMPLATE = """{
    "userId": {{userId}},
    "createdAt": {{createdAt}},
    "eventType": {{eventType}},
    "eventData": {{eventData}},
    "resource": {{resource}},
    "mockApifyUnknownField": {"addedLater": true, "list": [1, "two", null]}
}"""
UNKNOWN_HEADERS = '{"X-Mock-Apify-Unknown": "1"}'
# A run whose status message makes its `resource` about 256 KiB: past the 100 KB that some body
# parsers accept by default (Express's `express.json()`, for one), within the emulator's 1 MiB.
LARGE_STATUS_MESSAGE = "A long status message. " * (256 * 1024 // 23)
_BASICS = (ANSWERS_2XX, NO_REDIRECT)


@dataclass(frozen=True)
class Step:
    """One delivery (or a pair) of the series."""

    sent: str  # what is sent, for the table
    event_type: str  # the event the job makes
    expectations: tuple[str, ...] = _BASICS
    webhook: Record = field(default_factory=dict)  # more webhook fields (templates, event types)
    chaos: Record | None = None  # a chaos rule on the step's webhook
    behaviour: Record = field(default_factory=dict)  # more of the job's behaviour
    dispatches: int = 1


def series(payload_template: str | None, headers_template: str | None) -> list[Step]:
    """Every event type with the default payload, then the hard cases; a given template is the
    custom one, else a sample."""
    steps = [
        Step(f"{event}, default payload", event, _BASICS + ((TEST_EVENT,) if event == "TEST" else ()))
        for event in firing.EVENT_TYPES
    ]
    custom = {
        "payloadTemplate": payload_template or SAMPLE_TEMPLATE,
        "headersTemplate": headers_template or (None if payload_template else SAMPLE_HEADERS),
        "shouldInterpolateStrings": True,
    }
    succeeded = "ACTOR.RUN.SUCCEEDED"
    return [
        *steps,
        Step("custom template", succeeded, (*_BASICS, UNKNOWN_FIELDS), webhook=custom),
        Step(
            "unknown fields and header",
            succeeded,
            (*_BASICS, UNKNOWN_FIELDS),
            webhook={"payloadTemplate": UNKNOWN_FIELDS_TEMPLATE, "headersTemplate": UNKNOWN_HEADERS},
        ),
        Step("duplicate", succeeded, (*_BASICS, SAME_DUPLICATE), chaos={"duplicate": True}),
        Step(
            "out of order",
            succeeded,
            (*_BASICS, ANY_ORDER),
            webhook={"eventTypes": ["ACTOR.RUN.CREATED", succeeded]},
            chaos={"reorder": {"order": [succeeded, "ACTOR.RUN.CREATED"]}},
            dispatches=2,
        ),
        Step("large resource", succeeded, behaviour={"statusMessage": LARGE_STATUS_MESSAGE}),
    ]
