"""A payload template cannot take the emulator down: a rendered payload is at most 1 MiB. A
template that renders past it on the sample event is refused when the webhook is made; one that
gets there only on a real event fails its dispatch with a clear error. Dispatches are rendered
when they are delivered, off the event loop, so /test answers at once and stores no payload."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest

from conftest import Api, webhook_fields
from mock_apify import Config
from mock_apify.config import MEMORY_DB
from receivers import Receiver

LIMIT = 1024 * 1024  # bytes of a rendered payload


@pytest.fixture
def config() -> Config:
    return Config(db=MEMORY_DB, no_seed=True, port=0, clock="virtual")


def array_of(variable: str, count: int) -> str:
    return "[" + ",".join([variable] * count) + "]"


def too_large(status: int, body: Any, field: str = "payloadTemplate") -> bool:
    return (
        status == 400
        and body["error"]["type"] == "schema-validation"
        and field in body["error"]["message"]
        and f"larger than {LIMIT} bytes" in body["error"]["message"]
    )


@pytest.mark.parametrize(
    ("template", "interpolate"),
    [
        (array_of("{{resource}}", 55_000), False),  # 715 KB that rendered to ~47 MB
        (array_of("{{resource}}", 55_000), True),
        (array_of('"{{resource}}"', 55_000), True),  # strings that become whole objects
        (array_of('"{{resource.meta.userAgent}}{{resource.meta.userAgent}}"', 15_000), True),
        (array_of("1e20", 200_000), False),  # no variable at all: 1 MB of "1e20" renders to 4.4 MB
    ],
)
async def test_a_template_that_renders_past_the_limit_is_refused(
    api: Api, template: str, interpolate: bool
) -> None:
    actor = await api.create_actor()
    fields = webhook_fields(actor["id"], payloadTemplate=template, shouldInterpolateStrings=interpolate)
    started = time.monotonic()
    status, body, _ = await api.call("POST", "/v2/webhooks", json=fields)
    assert too_large(status, body), body
    webhook = await api.create_webhook(**webhook_fields(actor["id"]))
    status, body, _ = await api.call(
        "PUT",
        f"/v2/webhooks/{webhook['id']}",
        json={"payloadTemplate": template, "shouldInterpolateStrings": interpolate},
    )
    assert too_large(status, body), body
    # Rendering stops at the limit: the refusal costs what a 1 MiB payload costs, not 47 MB's.
    assert time.monotonic() - started < 10
    _, listed, _ = await api.call("GET", "/v2/webhooks")
    assert listed["data"]["total"] == 1


async def test_headers_and_render_template_have_the_same_limit(api: Api) -> None:
    status, body, _ = await api.call(
        "POST",
        "/_mock/render-template",
        json={"payloadTemplate": array_of("{{resource}}", 55_000)},
        auth=False,
    )
    assert too_large(status, body), body
    status, body, _ = await api.call(
        "POST",
        "/_mock/render-template",
        json={"payloadTemplate": '{"a": {{resource}}}', "context": {"resource": "x" * (LIMIT + 1)}},
        auth=False,
    )
    assert too_large(status, body), body
    actor = await api.create_actor()
    headers = '{"X-Big": "' + "{{resource.meta.userAgent}}" * 30_000 + '"}'
    status, body, _ = await api.call(
        "POST",
        "/v2/webhooks",
        json=webhook_fields(actor["id"], headersTemplate=headers, shouldInterpolateStrings=True),
    )
    assert too_large(status, body, "headersTemplate"), body


async def test_a_payload_up_to_the_limit_is_delivered_whole(api: Api, receiver: Receiver) -> None:
    actor = await api.create_actor()
    # A string that pads the payload to exactly the limit (user ids all have 17 characters).
    _, sample, _ = await api.call(
        "POST", "/_mock/render-template", json={"payloadTemplate": '["", {{userId}}]'}, auth=False
    )
    overhead = len(sample["data"]["payload"].encode())
    template = '["' + "x" * (LIMIT - overhead) + '", {{userId}}]'
    webhook = await api.create_webhook(
        **webhook_fields(actor["id"], requestUrl=receiver.url, payloadTemplate=template)
    )
    dispatch = await api.test_webhook(webhook["id"])
    await api.settle()
    assert (await api.dispatch(dispatch["id"]))["status"] == "SUCCEEDED"
    assert len(receiver.received[0].body) == LIMIT
    assert orjson.loads(receiver.received[0].body)[1] == webhook["userId"]


async def test_a_dispatch_that_renders_past_the_limit_fails_with_a_clear_error(
    api: Api, receiver: Receiver
) -> None:
    """Valid on the sample event, too large on this run, whose status message is long."""
    actor = await api.create_actor()
    await api.call(
        "PUT",
        f"/_mock/actors/{actor['id']}/behaviour",
        json={"run": {"status": "SUCCEEDED", "statusMessage": "y" * 300_000}},
        auth=False,
    )
    status, run, _ = await api.call("POST", f"/v2/actors/{actor['id']}/runs", params={"waitForFinish": "5"})
    assert status == 201 and run["data"]["status"] == "SUCCEEDED", run
    webhook = await api.create_webhook(
        **webhook_fields(actor["id"], requestUrl=receiver.url, payloadTemplate=array_of("{{resource}}", 4))
    )
    dispatch = await api.test_webhook(webhook["id"])
    assert dispatch["status"] == "ACTIVE"
    await api.settle()
    done = await api.dispatch(dispatch["id"])
    assert done["status"] == "FAILED" and len(done["calls"]) == 1, done
    assert f"larger than {LIMIT} bytes" in done["calls"][0]["errorMessage"]
    assert receiver.received == []


async def test_tests_of_a_large_template_leave_the_api_responsive(api: Api, receiver: Receiver) -> None:
    """Eight dispatches of a payload near the limit: each /test answers without rendering, and
    the event loop keeps answering while they are rendered and delivered."""
    actor = await api.create_actor()
    status, run, _ = await api.call("POST", f"/v2/actors/{actor['id']}/runs", params={"waitForFinish": "5"})
    assert status == 201, run
    # The TEST event carries the run: as many copies of it (or of the sample event's, checked
    # when the webhook is made) as fit in the limit.
    _, got, _ = await api.call("GET", f"/v2/actor-runs/{run['data']['id']}")
    _, sample, _ = await api.call(
        "POST", "/_mock/render-template", json={"payloadTemplate": "{{resource}}"}, auth=False
    )
    size = max(len(orjson.dumps(got["data"])), len(sample["data"]["payload"].encode()))
    template = array_of("{{resource}}", LIMIT // (size + 1) - 1)
    webhook = await api.create_webhook(
        **webhook_fields(actor["id"], requestUrl=receiver.url, payloadTemplate=template)
    )
    tests = [asyncio.create_task(api.test_webhook(webhook["id"])) for _ in range(8)]
    dispatches = await asyncio.gather(*tests)
    assert all(d["status"] == "ACTIVE" for d in dispatches)
    settling = asyncio.create_task(api.settle())
    slowest = 0.0
    while not settling.done():
        started = time.monotonic()
        status, _, _ = await api.call("GET", "/_mock/health", auth=False)
        assert status == 200
        slowest = max(slowest, time.monotonic() - started)
        await asyncio.sleep(0.005)
    assert (await settling)["settled"] is True
    assert len(receiver.received) == 8
    assert slowest < 1.0, slowest


async def test_templates_longer_than_the_limit_are_refused(api: Api) -> None:
    """A dispatch keeps its webhook's templates until it is delivered, so they are bounded too,
    even one that would render small (here: mostly whitespace)."""
    actor = await api.create_actor()
    for field in ("payloadTemplate", "headersTemplate"):
        template = "{" + " " * LIMIT + "}"
        status, body, _ = await api.call(
            "POST", "/v2/webhooks", json=webhook_fields(actor["id"], **{field: template})
        )
        assert status == 400 and body["error"]["type"] == "schema-validation", body
        assert field in body["error"]["message"]
    fits = "{" + " " * (LIMIT - 2) + "}"
    await api.create_webhook(**webhook_fields(actor["id"], payloadTemplate=fits, headersTemplate=fits))
