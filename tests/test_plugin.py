"""The pytest plugin: registered on install, one session emulator, a fresh user per test, the
handle's helpers and assertions, the marker, the overridable fixtures, sync and async tests.

Inner sessions run through pytest's own `pytester` in a subprocess: a fresh interpreter loads the
plugin from its entry point exactly as an installed mock-apify would."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from apify_client import ApifyClient

from mock_apify.testing import AsyncMockApify, MockApify, MockApifyError, SeedFileError, UserPool

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
ASYNC_INI = "[pytest]\nasyncio_mode = {mode}\nasyncio_default_fixture_loop_scope = function\n"


def _literal(pattern: str) -> str:
    """An fnmatch pattern matching `[` literally (it starts a character class otherwise)."""
    return pattern.replace("[", "[[]")


def _run(pytester: pytest.Pytester, *args: str, mode: str = "auto") -> pytest.RunResult:
    pytester.makeini(ASYNC_INI.format(mode=mode))
    return pytester.runpytest("-p", "no:cacheprovider", *args)


# --- inner sessions ---------------------------------------------------------------------------


def test_fixtures_and_marker_are_there_on_install(pytester: pytest.Pytester) -> None:
    assert not list(pytester.path.glob("conftest.py"))
    pytester.makeini(ASYNC_INI.format(mode="auto"))
    result = pytester.runpytest_subprocess("--fixtures", "-p", "no:cacheprovider", timeout=120)
    result.stdout.fnmatch_lines(
        [
            "*mock_apify_config* [[]session scope[]]*",
            "*mock_apify_server* [[]session scope[]]*",
            "mock_apify -- *pytest_plugin.py*",
            "*mock_apify_app_config -- *",
            "*mock_apify_app -- *",
        ]
    )
    result = pytester.runpytest("--markers", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["@pytest.mark.mock_apify(username=None, actors=(), *"])


def test_each_test_has_its_own_user_even_with_the_same_idempotency_key(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import urllib.request, json

        SEEN = []

        def _create(mock_apify):
            actor = mock_apify.actors.get("same-name") or mock_apify.add_actor("same-name")
            return mock_apify.add_webhook(
                mock_apify.inbox("hooks"), "ACTOR.RUN.SUCCEEDED", actor=actor, idempotencyKey="k"
            )

        def test_first(mock_apify):
            webhook = _create(mock_apify)
            assert _create(mock_apify)["id"] == webhook["id"]  # the key works within the test
            assert [w["id"] for w in mock_apify.webhooks()] == [webhook["id"]]
            SEEN.append((webhook["id"], mock_apify.token, mock_apify.user_id))

        def test_second(mock_apify):
            webhook = _create(mock_apify)
            assert [w["id"] for w in mock_apify.webhooks()] == [webhook["id"]]
            first_id, first_token, first_user = SEEN[0]
            assert webhook["id"] != first_id and mock_apify.user_id != first_user
            # The first test's records were wiped when it ended; its token still works.
            request = urllib.request.Request(
                mock_apify.url + "/v2/webhooks", headers={"Authorization": "Bearer " + first_token}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert json.loads(response.read())["data"]["total"] == 0
        """
    )
    result = _run(pytester)
    result.assert_outcomes(passed=2)


def test_users_made_ahead_are_fresh_and_a_full_reset_does_not_strand_later_tests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        USERS = []

        @pytest.mark.parametrize("n", range(20))  # more than one batch of users made ahead
        def test_fresh(mock_apify, n):
            assert mock_apify.webhooks() == [] and mock_apify.user_id not in USERS
            USERS.append(mock_apify.user_id)
            mock_apify.add_webhook(mock_apify.inbox(), "ACTOR.RUN.FAILED", actor=mock_apify.add_actor())

        def test_a_full_reset(mock_apify):  # deletes every user: this test's teardown finds none
            mock_apify.request("POST", "/_mock/reset", {}, auth=False)

        def test_after_the_reset(mock_apify):
            assert mock_apify.webhooks() == []
        """
    )
    result = _run(pytester)
    result.assert_outcomes(passed=22, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_a_full_reset*"])


def test_a_failed_assertion_explains_itself(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_wrong_event(mock_apify):
            inbox = mock_apify.inbox("alerts")
            actor = mock_apify.add_actor("crawler")
            mock_apify.add_webhook(inbox, ["ACTOR.RUN.FAILED"], actor=actor)
            mock_apify.assert_delivered(inbox, event_type="ACTOR.RUN.SUCCEEDED")

        def test_nothing_points_at_the_inbox(mock_apify):
            actor = mock_apify.add_actor("crawler")
            mock_apify.add_webhook("http://127.0.0.1:9/elsewhere", "ACTOR.RUN.SUCCEEDED", actor=actor)
            mock_apify.assert_delivered("alerts", "ACTOR.RUN.SUCCEEDED")

        def test_delivered_when_it_should_not(mock_apify):
            inbox = mock_apify.inbox("alerts")
            webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.FAILED", actor=mock_apify.add_actor())
            mock_apify.test_webhook(webhook)
            mock_apify.assert_not_delivered(inbox)
        """
    )
    result = _run(pytester)
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            _literal(line)
            for line in [
                "*test_wrong_event*",
                "E * expected 1 delivery of 'ACTOR.RUN.SUCCEEDED' to inbox 'alerts', got 0.",
                "E * Inbox 'alerts' received nothing.",
                "E * Why: the webhooks pointing at this inbox:",
                "E * - webhook * listens to ['ACTOR.RUN.FAILED'], not 'ACTOR.RUN.SUCCEEDED'; condition actorId=*",
                "E * no dispatch was made to it",
                "*test_nothing_points_at_the_inbox*",
                "E * Why: no webhook points at this inbox (http://127.0.0.1:*/_mock/inboxes/*-alerts).",
                "E * - webhook * → http://127.0.0.1:9/elsewhere ['ACTOR.RUN.SUCCEEDED']",
                "*test_delivered_when_it_should_not*",
                "E * expected no delivery at all to inbox 'alerts', got 1:",
                "E * - TEST, dispatch *, 1 attempt, body {*; sent by webhook * listening to ['ACTOR.RUN.FAILED']*",
            ]
        ]
    )
    # The traceback ends in the test, not inside the plugin.
    assert "testing.py" not in result.stdout.str()


def test_sync_and_async_tests_share_the_session_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio
        import pytest
        from aiohttp import web

        URLS = set()

        def test_plain_sync(mock_apify):
            client = mock_apify.client()
            actor = client.actors().create(name="sync-actor")
            hook = client.webhooks().create(
                event_types=["ACTOR.RUN.SUCCEEDED"], request_url=mock_apify.inbox().url, actor_id=actor.id
            )
            client.webhook(hook.id).test()
            mock_apify.assert_delivered(mock_apify.inbox(), "TEST")
            URLS.add(mock_apify.url)

        @pytest.mark.asyncio
        async def test_pytest_asyncio(mock_apify):
            client = mock_apify.async_client()
            actor = await client.actors().create(name="async-actor")
            await client.webhooks().create(
                event_types=["ACTOR.RUN.FAILED"], request_url=mock_apify.inbox().url, actor_id=actor.id
            )
            assert (await client.webhooks().list()).total == 1
            mock_apify.inbox().set_behaviour(201)  # quick blocking calls are fine: another thread serves them
            await mock_apify.aio.assert_not_delivered(mock_apify.inbox())  # waiting ones go through .aio
            URLS.add(mock_apify.url)

        async def test_pytest_aiohttp_receiver_on_the_test_loop(mock_apify, aiohttp_server):
            got = []

            async def receive(request):
                got.append(await request.json())
                return web.Response(text="thanks")

            app = web.Application()
            app.router.add_post("/hook", receive)
            server = await aiohttp_server(app)
            webhook = mock_apify.add_webhook(
                str(server.make_url("/hook")), "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor()
            )
            dispatch = mock_apify.test_webhook(webhook)
            # The receiver runs on this loop: wait through .aio so the loop keeps serving it.
            assert await mock_apify.aio.settle() is True
            assert got and got[0]["eventType"] == "TEST"
            done = await mock_apify.aio.dispatch(dispatch)
            assert done["status"] == "SUCCEEDED" and done["calls"][0]["responseBody"] == "thanks"
            URLS.add(mock_apify.url)

        def test_one_emulator_for_the_session():
            assert len(URLS) == 1
        """
    )
    result = _run(pytester)
    result.assert_outcomes(passed=4)


def test_mock_apify_app_runs_in_the_test_loop_in_strict_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.asyncio
        @pytest.mark.mock_apify(username="in-loop", actors=["crawler"])
        async def test_in_process(mock_apify_app):
            assert mock_apify_app.username == "in-loop" and "crawler" in mock_apify_app.actors
            inbox = mock_apify_app.inbox("hooks")
            webhook = await mock_apify_app.add_webhook(inbox, "ACTOR.RUN.FAILED", actor="crawler")
            await mock_apify_app.test_webhook(webhook)
            [delivery] = await mock_apify_app.assert_delivered(inbox, "TEST")
            assert delivery.webhook_id == webhook["id"]
            client = mock_apify_app.async_client()
            assert (await client.webhooks().list()).total == 1
            with pytest.raises(RuntimeError, match="deadlock"):
                mock_apify_app.client()

        @pytest.mark.asyncio
        async def test_fresh_emulator_per_test(mock_apify_app):
            assert await mock_apify_app.webhooks() == []
            assert (await mock_apify_app.clock())["mode"] == "virtual"
        """
    )
    result = _run(pytester, mode="strict")
    result.assert_outcomes(passed=2)


def test_marker_settings_and_config_override(pytester: pytest.Pytester) -> None:
    seed = {
        "users": [
            {
                "id": "FileUserId0000001",
                "username": "file-user",
                "token": "apify_api_file",
                "actors": [{"id": "FileActorId000001", "name": "from-file"}],
            }
        ]
    }
    (pytester.path / "seed.json").write_text(json.dumps(seed))
    pytester.makepyfile(
        """
        import pytest
        from mock_apify import Config
        from mock_apify.testing import MockApifyError

        @pytest.fixture(scope="session")
        def mock_apify_config():
            return Config(db=":memory:", port=0, no_seed=True, clock="real", max_webhooks_per_user=1)

        pytestmark = pytest.mark.mock_apify(actors=["module-level"])

        @pytest.mark.mock_apify(
            username="jane", actors=["alpha", "beta"], tasks={"alpha": ["daily"], "gamma": ["weekly"]},
            seed_file="seed.json",
        )
        def test_settings(mock_apify):
            assert mock_apify.username == "jane"
            names = sorted(a["name"] for a in mock_apify.request("GET", "/v2/actors")["data"]["items"])
            assert names == ["alpha", "beta", "from-file", "gamma"]  # the closest marker's actors win
            tasks = mock_apify.request("GET", "/v2/actor-tasks")["data"]["items"]
            assert sorted(t["name"] for t in tasks) == ["daily", "weekly"]
            assert mock_apify.request("GET", "/v2/actors/jane~alpha")["data"]["name"] == "alpha"

        @pytest.mark.mock_apify(username="jane")
        def test_same_username_again_gets_a_clean_user(mock_apify):
            assert mock_apify.username == "jane"
            names = [a["name"] for a in mock_apify.request("GET", "/v2/actors")["data"]["items"]]
            assert names == ["module-level"]

        def test_config_override(mock_apify):
            assert mock_apify.clock()["mode"] == "real"
            with pytest.raises(MockApifyError, match="clock is real"):
                mock_apify.advance(1)
            inbox = mock_apify.inbox()
            mock_apify.add_webhook(inbox, "ACTOR.RUN.FAILED", actor="module-level")
            with pytest.raises(MockApifyError, match="too-many-webhooks"):
                mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor="module-level")

        @pytest.mark.mock_apify(colour="blue")
        def test_unknown_setting(mock_apify):
            pass

        @pytest.mark.mock_apify(faker_seed=7)
        def test_faker_seed(mock_apify):
            first = mock_apify.seed(actors=1, tasks_per_actor=0).actors[0]["name"]
            from faker import Faker
            fake = Faker()
            fake.seed_instance(7)
            assert first == "-".join(fake.words(2)).lower() + "-scraper"
        """
    )
    result = _run(pytester, "--strict-markers", "-rE")
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_unknown_setting*",
            _literal("@pytest.mark.mock_apify: unknown mock_apify setting(s) ['colour']; known: *"),
        ]
    )


# --- the handle, used directly (the plugin is loaded in this session too) ----------------------


def test_inbox_messages_behaviour_and_deliveries(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("decoded")
    assert mock_apify.inbox("decoded") is inbox and inbox.url.startswith(mock_apify.url + "/_mock/inboxes/")
    assert inbox.messages() == [] and inbox.deliveries() == []
    behaviour = inbox.set_behaviour(202, delay_ms=0, body="ok", script=[{"status": 503, "times": 2}])
    assert behaviour == {"status": 202, "delayMs": 0, "body": "ok", "script": [{"status": 503, "times": 2}]}
    actor = mock_apify.add_actor("decoder")
    webhook = mock_apify.add_webhook(
        inbox,
        ["ACTOR.RUN.SUCCEEDED"],
        actor=actor,
        payloadTemplate='{"kind": {{eventType}}, "who": {{userId}}}',
        headersTemplate='{"X-Trace": "abc"}',
    )
    dispatch = mock_apify.test_webhook(webhook)
    assert mock_apify.settle() is True and mock_apify.last_settle is not None
    messages = inbox.messages()
    assert len(messages) == 3  # two scripted 503s, then the 202
    last = messages[-1]
    assert last.method == "POST" and last.json == {"kind": "TEST", "who": mock_apify.user_id}
    assert last.event_type is None  # a custom payload without an eventType key
    assert last.header("x-trace") == "abc" and last.dispatch_id == dispatch["id"]
    assert last.webhook_id == webhook["id"]
    [delivery] = inbox.deliveries()
    assert delivery.dispatch_id == dispatch["id"] and len(delivery.attempts) == 3
    assert [c["responseStatus"] for c in mock_apify.dispatch(dispatch)["calls"]] == [503, 503, 202]
    assert inbox.behaviour()["script"] == []
    inbox.clear()
    assert inbox.messages() == []
    with pytest.raises(ValueError, match="inbox names"):
        mock_apify.inbox("no spaces")


def test_payload_subset_and_counts(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox()
    webhook = mock_apify.add_webhook(
        inbox,
        "ACTOR.RUN.SUCCEEDED",
        actor=mock_apify.add_actor(),
        payloadTemplate='{"eventType": {{eventType}}, "data": {"n": 1, "tags": ["a", "b"]}}',
    )
    mock_apify.test_webhook(webhook)
    mock_apify.test_webhook(webhook)
    found = mock_apify.assert_delivered(inbox, "TEST", times=2, payload={"data": {"tags": ["a", "b"]}})
    assert len(found) == 2
    mock_apify.assert_delivered(inbox, times=2)  # any event type
    mock_apify.assert_not_delivered(inbox, "ACTOR.RUN.SUCCEEDED")
    with pytest.raises(AssertionError) as info:
        mock_apify.assert_delivered(inbox, "TEST", times=2, payload={"data": {"n": 2}})
    message = str(info.value)
    assert "2 deliveries of 'TEST' arrived but did not match the payload" in message
    assert "body.data.n is 1, expected 2" in message
    assert "Why" not in message  # they did arrive; only the payload differs
    with pytest.raises(AssertionError, match=r"body\.data\.tags is"):
        mock_apify.assert_delivered(inbox, "TEST", times=2, payload={"data": {"tags": ["a"]}})
    with pytest.raises(AssertionError, match=r"expected 1 delivery of 'TEST' to inbox 'inbox', got 2"):
        mock_apify.assert_delivered(inbox, "TEST")


def test_records_clients_and_errors(mock_apify: MockApify) -> None:
    actor = mock_apify.add_actor("scraper", title="The Scraper")
    assert mock_apify.actors["scraper"]["title"] == "The Scraper"
    task = mock_apify.add_task("scraper", "nightly", input={"q": 1})
    assert task["actId"] == actor["id"]
    webhook = mock_apify.add_webhook("https://example.com/hook", ["ACTOR.RUN.FAILED"], task=task)
    assert webhook["condition"] == {"actorTaskId": task["id"]}
    client = mock_apify.client()
    fetched = client.webhook(webhook["id"]).get()
    assert fetched is not None and fetched.id == webhook["id"]
    assert mock_apify.dispatches() == [] and mock_apify.dispatches(webhook) == []
    with pytest.raises(MockApifyError) as info:
        mock_apify.add_actor("scraper")
    assert info.value.status == 400 and "scraper" in str(info.value)
    with pytest.raises(MockApifyError) as info:
        mock_apify.request("GET", "/v2/webhooks", auth=False)
    assert info.value.status == 401
    before = mock_apify.clock()["epochSeconds"]
    mock_apify.advance(90)
    assert mock_apify.clock()["epochSeconds"] == pytest.approx(before + 90, abs=1)


def test_seed_repeats_and_load_seed_maps_ids(mock_apify: MockApify, tmp_path: Path) -> None:
    seeded = mock_apify.seed(actors=2, tasks_per_actor=2)
    assert len(seeded.actors) == 2 and len(seeded.tasks) == 4
    assert all(a["name"].endswith("-scraper") and a["title"] for a in seeded.actors)
    # The same seed gives the same names: a second handle seeded alike repeats them.
    again = MockApify(mock_apify.url, UserPool(mock_apify.url).take(), faker_seed=mock_apify._faker_seed)
    try:
        assert [a["name"] for a in again.seed(actors=2, tasks_per_actor=2).actors] == [
            a["name"] for a in seeded.actors
        ]
    finally:
        again.close()

    ids = mock_apify.load_seed(REPO / "fixtures" / "default.json", username="mock-user")
    source = json.loads((REPO / "fixtures" / "default.json").read_text())["users"][0]
    assert ids[source["id"]] == mock_apify.user_id
    for actor in source["actors"]:
        assert mock_apify.request("GET", f"/v2/actors/{ids[actor['id']]}")["data"]["name"] == actor["name"]
        for task in actor["tasks"]:
            assert (
                mock_apify.request("GET", f"/v2/actor-tasks/{ids[task['id']]}")["data"]["actId"]
                == (ids[actor["id"]])
            )
    for hook in source["webhooks"]:
        made = mock_apify.request("GET", f"/v2/webhooks/{ids[hook['id']]}")["data"]
        [(key, value)] = hook["condition"].items()
        assert made["condition"] == {key: ids[value]}
        # Inbox URLs of the file point at this test's inboxes of the same name.
        name = hook["requestUrl"].rsplit("/", 1)[1]
        assert made["requestUrl"] == mock_apify.inbox(name).url
    mock_apify.test_webhook(ids[source["webhooks"][0]["id"]])
    mock_apify.assert_delivered(source["webhooks"][0]["requestUrl"].rsplit("/", 1)[1], "TEST")

    behaviour = {"run": {"status": "FAILED", "exitCode": 1}}
    with_behaviour = tmp_path / "behaviour.json"
    with_behaviour.write_text(
        json.dumps({"users": [{"actors": [{"id": "a1", "name": "flaky", "behaviour": behaviour}]}]})
    )
    new_id = mock_apify.load_seed(with_behaviour)["a1"]
    assert mock_apify.request("GET", f"/_mock/actors/{new_id}/behaviour")["data"]["run"] == behaviour["run"]

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"users": [{"actors": [{"id": "x", "name": "ok", "tasks": [{"nope": 1}]}]}]}))
    with pytest.raises(SeedFileError, match=r"bad.json: users\[0\].actors\[0\].tasks\[0\]: "):
        mock_apify.load_seed(bad)
    with pytest.raises(SeedFileError, match="no user 'ghost'"):
        mock_apify.load_seed(REPO / "fixtures" / "default.json", username="ghost")


def test_teardown_wipes_only_the_tests_records(mock_apify_server: Any) -> None:
    pool = UserPool(mock_apify_server.url)
    mine = MockApify(mock_apify_server.url, pool.take())
    other = MockApify(mock_apify_server.url, pool.take())
    for handle in (mine, other):
        handle.add_webhook(handle.inbox("x"), "ACTOR.RUN.FAILED", actor=handle.add_actor())
        handle.test_webhook(handle.webhooks()[0])
        handle.assert_delivered(handle.inbox("x"), "TEST")
    mine_inbox = mine.inbox("x")
    mine.close()
    assert mine.webhooks() == [] and mine_inbox.messages() == []
    assert len(other.webhooks()) == 1 and len(other.inbox("x").messages()) == 1
    other.close()


def test_creating_a_user_is_cheap(mock_apify_server: Any) -> None:
    pool = UserPool(mock_apify_server.url)
    pool.take()
    start = time.perf_counter()
    for _ in range(50):
        pool.take()
    mean = (time.perf_counter() - start) / 50
    assert mean < 0.020, f"{mean * 1000:.1f} ms per user"


async def test_the_async_view_of_the_session_handle(mock_apify: MockApify) -> None:
    aio = mock_apify.aio
    assert isinstance(aio, AsyncMockApify) and aio.token == mock_apify.token
    inbox = aio.inbox("async")
    await inbox.set_behaviour(script=[500])
    actor = await aio.add_actor("async-actor")
    await aio.add_task(actor, "t")
    webhook = await aio.add_webhook(inbox, "ACTOR.RUN.FAILED", actor=actor)
    dispatch = await aio.test_webhook(webhook)
    [delivery] = await aio.assert_delivered(inbox, "TEST")
    assert len(delivery.attempts) == 2 and len(await inbox.messages()) == 2
    assert (await aio.dispatch(dispatch))["status"] == "SUCCEEDED"
    await aio.assert_not_delivered(inbox, "ACTOR.RUN.FAILED")
    assert len(await aio.webhooks()) == 1 and len(await aio.dispatches(webhook)) == 1
    assert isinstance(aio.client(), ApifyClient)  # fine here: the emulator is on another thread


def test_runs_decided_by_the_test(mock_apify: MockApify) -> None:
    """Start a run with an ad-hoc webhook, decide how it ends, and see the event delivered."""
    actor = mock_apify.add_actor("crawler")
    inbox = mock_apify.inbox("runs")
    mock_apify.set_behaviour(actor, run={"status": None})
    run = mock_apify.start_run(
        actor, run_input={"q": 1}, webhooks=[{"eventTypes": ["ACTOR.RUN.FAILED"], "requestUrl": inbox.url}]
    )
    assert run["status"] == "READY"
    mock_apify.assert_not_delivered(inbox)
    moved = mock_apify.move_run(run, "FAILED", exit_code=2, items=[{"n": 1}])
    assert (moved["status"], moved["exitCode"]) == ("FAILED", 2)
    [delivery] = mock_apify.assert_delivered(inbox, "ACTOR.RUN.FAILED")
    assert delivery.json["resource"]["id"] == run["id"]
    assert mock_apify.run(run)["status"] == "FAILED"
    task = mock_apify.add_task(actor, "nightly")
    mock_apify.set_behaviour(actor, run={"status": "SUCCEEDED"})
    assert mock_apify.start_run(task=task)["actorTaskId"] == task["id"]
