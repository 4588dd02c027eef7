"""What a new user met in their first hour with the handle ("The first hour"), each as they saw it
and as it behaves now."""

from __future__ import annotations

import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from mock_apify.testing import AsyncMockApify, CalledFromEventLoopError, MockApify, MockApifyError


async def test_a_blocking_wait_on_the_tests_own_loop_fails_at_once(mock_apify: MockApify) -> None:
    # Before: settle() blocked the loop serving the receiver, waited 30 s and returned False.
    async def receive(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    async with TestServer(app, host="127.0.0.1") as server:
        webhook = mock_apify.add_webhook(
            str(server.make_url("/hook")), "ACTOR.RUN.FAILED", actor=mock_apify.add_actor()
        )
        mock_apify.test_webhook(webhook)  # quick blocking calls still work on the loop
        started = time.monotonic()
        with pytest.raises(CalledFromEventLoopError) as refused:
            mock_apify.settle()
        assert str(refused.value).startswith(
            "settle() called from a running event loop: use `await mock_apify.aio.settle(...)`"
        )
        with pytest.raises(
            CalledFromEventLoopError, match=r"^assert_delivered\(\) called .*aio\.assert_delivered"
        ):
            mock_apify.assert_delivered(mock_apify.inbox(), "TEST")
        assert time.monotonic() - started < 5
        assert await mock_apify.aio.settle() is True
    [dispatch] = mock_apify.dispatches()
    assert dispatch["status"] == "SUCCEEDED"


async def test_any_blocking_call_on_the_loop_serving_mock_apify_app_fails_at_once(
    mock_apify_app: AsyncMockApify,
) -> None:
    # There the emulator itself runs on the test's loop: every blocking call would wait 60 s.
    started = time.monotonic()
    with pytest.raises(
        CalledFromEventLoopError, match=r"^add_actor\(\) called from a running event loop that"
    ):
        mock_apify_app.sync.add_actor()
    with pytest.raises(
        CalledFromEventLoopError, match=r"`await mock_apify_app\.inbox\(\.\.\.\)\.messages\(\.\.\.\)`"
    ):
        mock_apify_app.sync.inbox("box").messages()
    assert time.monotonic() - started < 5
    assert (await mock_apify_app.add_actor("crawler"))["name"] == "crawler"
    assert await mock_apify_app.inbox("box").messages() == []


def test_a_bad_behaviour_names_the_allowed_values(mock_apify: MockApify) -> None:
    # Before: "... is not valid under any of the schemas listed in the 'anyOf' keyword".
    actor = mock_apify.add_actor()
    with pytest.raises(MockApifyError) as refused:
        mock_apify.set_behaviour(actor, run={"status": "SUCCESS"})
    assert (refused.value.status, refused.value.type) == (400, "schema-validation")
    assert refused.value.message == (
        "Invalid value provided in run.status: SUCCESS is not an allowed value "
        "(allowed: SUCCEEDED, FAILED, TIMED-OUT, ABORTED, null)"
    )
    with pytest.raises(
        MockApifyError, match=r"run\.status: 3 is not an allowed value \(allowed: SUCCEEDED, "
    ):
        mock_apify.set_behaviour(actor, run={"status": 3})
    # An object that fails inside one branch of an anyOf is explained from inside that branch.
    with pytest.raises(MockApifyError) as inside:
        mock_apify.add_webhook(mock_apify.inbox(), "ACTOR.RUN.FAILED", condition={"actorId": 5})
    assert (
        inside.value.message
        == 'Invalid value provided in condition.actorId: 5 is not of types "null", "string"'
    )


def test_run_items_must_be_objects_as_in_apify_datasets(mock_apify: MockApify) -> None:
    # Before: [1, "two", None] was stored as the run's dataset; Apify's datasets take objects only.
    actor = mock_apify.add_actor()
    with pytest.raises(MockApifyError) as refused:
        mock_apify.set_behaviour(actor, run={"status": "SUCCEEDED", "items": [{"ok": 1}, "two", None]})
    assert (refused.value.status, refused.value.type) == (400, "schema-validation")
    assert refused.value.message == 'Invalid value provided in run.items[1]: "two" is not of type "object"'
    mock_apify.set_behaviour(actor, run={"status": None})
    run = mock_apify.start_run(actor)
    with pytest.raises(MockApifyError, match=r"items\[0\]: 1 is not of type"):
        mock_apify.move_run(run, "SUCCEEDED", items=[1])
    assert mock_apify.move_run(run, "SUCCEEDED", items=[{"n": 1}])["status"] == "SUCCEEDED"


async def test_assert_dispatched_checks_an_endpoint_of_your_own(mock_apify: MockApify) -> None:
    # Before: [c["responseStatus"] for c in dispatch["calls"]] == [500, 200], written by hand.
    answers = [500]

    async def receive(request: web.Request) -> web.Response:
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/hook", receive)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("/hook"))
        actor = mock_apify.add_actor()
        webhook = mock_apify.add_webhook(url, "ACTOR.RUN.FAILED", actor=actor)
        mock_apify.set_behaviour(actor, run={"status": "FAILED"})
        run = mock_apify.start_run(actor)
        aio = mock_apify.aio
        [dispatch] = await aio.assert_dispatched(
            url, "ACTOR.RUN.FAILED", statuses=[500, 200], payload={"eventData": {"actorRunId": run["id"]}}
        )
    assert dispatch["status"] == "SUCCEEDED" and len(dispatch["calls"]) == 2
    assert await aio.dispatch(dispatch) == dispatch  # a list item of the log is the full dispatch
    assert await aio.assert_dispatched(webhook, statuses=[500, 200]) == [dispatch]
    assert await aio.assert_dispatched(webhook["id"], "ACTOR.RUN.FAILED") == [dispatch]
    with pytest.raises(AssertionError) as failed:
        await aio.assert_dispatched(url, "ACTOR.RUN.FAILED", statuses=[200])
    message = str(failed.value)
    assert message.startswith(
        f"expected 1 dispatch of 'ACTOR.RUN.FAILED' to {url} with calls answered [200], got 0.\n"
        f"  - {dispatch['id']} ACTOR.RUN.FAILED SUCCEEDED, 2 calls answered [500, 200], last call: 200"
    )
    assert f"its calls were answered [500, 200], expected [200]\n1 dispatch went to {url}:" in message
    assert "Why: the webhooks pointing there:\n" in message
    assert (
        f"  - webhook {webhook['id']} listens to ['ACTOR.RUN.FAILED']; condition actorId={actor['id']}"
        in message
    )


def test_assert_dispatched_explains_what_went_elsewhere(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("alerts")
    actor = mock_apify.add_actor()
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.FAILED", actor=actor)
    mock_apify.start_run(actor)  # it succeeds: nothing is dispatched
    with pytest.raises(AssertionError) as failed:
        mock_apify.assert_dispatched(inbox, "ACTOR.RUN.SUCCEEDED")
    assert str(failed.value) == "\n".join(
        [
            f"expected 1 dispatch of 'ACTOR.RUN.SUCCEEDED' to {inbox.url}, got 0.",
            f"No dispatch went to {inbox.url}.",
            "Why: the webhooks pointing there:",
            f"  - webhook {webhook['id']} listens to ['ACTOR.RUN.FAILED'], not 'ACTOR.RUN.SUCCEEDED'; "
            f"condition actorId={actor['id']}",
            "      no dispatch was made to it",
        ]
    )
    with pytest.raises(AssertionError, match=r"Why: no webhook points at http://example\.test/x\.\n"):
        mock_apify.assert_dispatched("http://example.test/x")
    mock_apify.assert_dispatched(inbox, times=0)


def test_read_back_follows_one_rule(mock_apify: MockApify) -> None:
    # Before: webhooks() items lacked payloadTemplate while add_webhook() had it, with no
    # webhook(id) to read the full record; no reader for a run's items.
    inbox = mock_apify.inbox()
    actor = mock_apify.add_actor("crawler")
    task = mock_apify.add_task(actor, "daily")
    made = mock_apify.add_webhook(inbox, "ACTOR.RUN.FAILED", actor=actor, payloadTemplate='{"x": 1}')
    [listed] = mock_apify.webhooks()
    assert "payloadTemplate" not in listed  # a list item, as GET /v2/webhooks shows it
    full = mock_apify.webhook(made)
    assert full["payloadTemplate"] == '{"x": 1}' and full["id"] == listed["id"] == made["id"]
    assert mock_apify.webhook(made["id"]) == full
    assert mock_apify.actor("crawler")["id"] == actor["id"] and mock_apify.task(task)["name"] == "daily"
    mock_apify.set_behaviour(actor, run={"status": "SUCCEEDED", "items": [{"n": n} for n in range(3)]})
    run = mock_apify.run(mock_apify.start_run(actor))
    mock_apify.settle()
    items = [{"n": 0}, {"n": 1}, {"n": 2}]
    assert mock_apify.dataset_items(run) == items
    assert mock_apify.dataset_items(run["id"]) == items
    assert mock_apify.dataset_items(run["defaultDatasetId"]) == items
    # request() is the raw call: the API's answer as sent, envelope included.
    assert mock_apify.request("GET", f"/v2/webhooks/{made['id']}")["data"] == full
    with pytest.raises(MockApifyError) as missing:
        mock_apify.dataset_items("NoSuchDataset0001")
    assert missing.value.status == 404
