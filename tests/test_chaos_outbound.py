"""Outbound chaos (issue 15, section 1): each fault happens exactly as the rule says, shows in the
dispatch's calls (`injected`), and repeats from its seed. Through the pytest handle, against the
session emulator's virtual clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mock_apify import Config
from mock_apify.testing import AsyncMockApify, MockApify, MockApifyError
from mock_apify.threaded import ThreadedEmulator
from processes import post


def test_a_duplicate_arrives_twice_with_one_dispatch_id(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("hook")
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor())
    mock_apify.chaos(duplicate=True)

    dispatch = mock_apify.test_webhook(webhook)
    [delivery] = mock_apify.assert_delivered(inbox, "TEST")

    first, again = delivery.attempts
    assert first.dispatch_id == again.dispatch_id == dispatch["id"]
    assert first.body == again.body
    calls = mock_apify.dispatch(dispatch)["calls"]
    assert [call["responseStatus"] for call in calls] == [200, 200]
    assert "injected" not in calls[0]
    [marked] = calls[1]["injected"]
    assert marked["fault"] == "duplicate" and marked["seed"] == 0 and marked["draw"] == 1


def test_the_first_two_attempts_time_out_and_the_third_reaches_the_receiver(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("hook")
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor())
    mock_apify.chaos(webhook=webhook, failFirst=2, failWith="timeout")

    dispatch = mock_apify.test_webhook(webhook)
    [delivery] = mock_apify.assert_delivered(inbox, "TEST")

    assert len(delivery.attempts) == 1  # the receiver saw only the third attempt
    done = mock_apify.dispatch(dispatch)
    assert done["status"] == "SUCCEEDED"
    assert [call["responseStatus"] for call in done["calls"]] == [None, None, 200]
    assert all(call["errorMessage"].startswith("Request timed out") for call in done["calls"][:2])
    assert [[i["fault"] for i in call.get("injected", [])] for call in done["calls"]] == [
        ["timeout"],
        ["timeout"],
        [],
    ]


def test_each_failure_outcome_shows_as_a_real_one_would(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("hook")
    actor = mock_apify.add_actor()
    outcomes = {}
    for outcome in ("timeout", "connection-reset", "http-500"):
        webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=actor)
        mock_apify.chaos(webhook=webhook, failFirst=1, failWith=outcome)
        outcomes[outcome] = mock_apify.test_webhook(webhook)
    assert mock_apify.settle()
    first = {outcome: mock_apify.dispatch(d)["calls"][0] for outcome, d in outcomes.items()}
    assert first["timeout"]["errorMessage"] == "Request timed out after 120 s"
    assert first["connection-reset"]["errorMessage"] == "Cannot send request: Connection reset by peer"
    assert first["http-500"]["responseStatus"] == 500 and first["http-500"]["errorMessage"] is None
    assert len(inbox.messages()) == 3  # one real attempt each, after the injected failure


def test_a_reordered_runs_events_arrive_in_the_stated_order(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("hook")
    actor = mock_apify.add_actor()
    order = ["ACTOR.RUN.SUCCEEDED", "ACTOR.RUN.CREATED"]
    mock_apify.add_webhook(inbox, order, actor=actor)
    mock_apify.chaos(inbox=inbox, reorder={"order": order})

    run = mock_apify.start_run(actor)  # CREATED now, SUCCEEDED at once after: CREATED is held
    assert mock_apify.settle()

    messages = inbox.messages()
    assert [m.event_type for m in messages] == order
    assert all(m.json["eventData"]["actorRunId"] == run["id"] for m in messages)
    places = [mock_apify.dispatch(m.dispatch_id)["calls"][0]["injected"][0] for m in messages]
    assert [(p["fault"], p["position"]) for p in places] == [("reorder", 0), ("reorder", 1)]


def test_a_held_event_goes_when_its_hold_ends_if_the_others_never_come(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("hook")
    actor = mock_apify.add_actor()
    mock_apify.set_behaviour(actor, run={"status": None})  # stays RUNNING: no SUCCEEDED event
    mock_apify.add_webhook(inbox, ["ACTOR.RUN.CREATED", "ACTOR.RUN.SUCCEEDED"], actor=actor)
    mock_apify.chaos(reorder={"order": ["ACTOR.RUN.SUCCEEDED", "ACTOR.RUN.CREATED"], "holdSecs": 90})
    before = mock_apify.clock()["epochSeconds"]

    mock_apify.start_run(actor)
    [delivery] = mock_apify.assert_delivered(inbox, "ACTOR.RUN.CREATED")

    assert mock_apify.clock()["epochSeconds"] - before >= 90  # settle jumped to the hold's end
    assert delivery.attempts[0].event_type == "ACTOR.RUN.CREATED"


def test_a_delay_moves_the_first_attempt_on_the_emulators_clock(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("hook")
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor())
    mock_apify.chaos(delaySecs=45)
    dispatch = mock_apify.test_webhook(webhook)

    mock_apify.advance(44)
    assert mock_apify.dispatch(dispatch)["calls"] == []
    mock_apify.assert_delivered(inbox, "TEST")
    [call] = mock_apify.dispatch(dispatch)["calls"]
    [delay] = call["injected"]
    assert delay["fault"] == "delay" and delay["seconds"] == 45


def _random_faults(mock_apify: MockApify, seed: int) -> list[list[str]]:
    inbox = mock_apify.inbox(f"random-{seed}")
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor())
    rule = mock_apify.chaos(
        webhook=webhook,
        seed=seed,
        random={"duplicate": 0.5, "delay": 0.5, "fail": 0.5},
        delaySecs={"min": 1, "max": 30},
        failFirst=1,
        failWith="connection-reset",
    )
    dispatches = [mock_apify.test_webhook(webhook) for _ in range(8)]
    assert mock_apify.settle()
    faults = [
        [i["fault"] for call in mock_apify.dispatch(d)["calls"] for i in call.get("injected", [])]
        for d in dispatches
    ]
    assert all(
        i["rule"] == rule["id"] and i["seed"] == seed
        for d in dispatches
        for call in mock_apify.dispatch(d)["calls"]
        for i in call.get("injected", [])
    )
    return faults


def test_the_random_mode_repeats_from_its_seed(mock_apify: MockApify) -> None:
    first = _random_faults(mock_apify, 7)
    assert first == _random_faults(mock_apify, 7)
    assert first != _random_faults(mock_apify, 8)
    kinds = {fault for faults in first for fault in faults}
    assert kinds == {"duplicate", "delay", "connection-reset"}  # seed 7 mixes all three


@pytest.mark.parametrize(
    ("rule", "status", "says"),
    [
        ({}, 400, "injects nothing"),
        ({"duplicate": False}, 400, "injects nothing"),
        ({"userId": "x", "inbox": "y", "duplicate": True}, 400, "one scope"),
        ({"delaySecs": {"min": 5, "max": 1}}, 400, "min is greater than max"),
        ({"random": {"delay": 0.5}}, 400, "random.delay needs delaySecs"),
        ({"failFirst": 12}, 400, "failFirst"),
        ({"failFirst": 1, "failWith": "explode"}, 400, "failWith"),
        ({"reorder": {"order": ["ACTOR.RUN.CREATED"]}}, 400, "reorder"),
        ({"duplicate": True, "surprise": 1}, 400, "surprise"),
        ({"webhookId": "NoSuchWebhook0001", "duplicate": True}, 404, "Webhook was not found"),
        ({"userId": "NoSuchUser0000001", "duplicate": True}, 404, "User was not found"),
    ],
)
def test_bad_rules_are_refused_saying_why(
    mock_apify: MockApify, rule: dict[str, Any], status: int, says: str
) -> None:
    with pytest.raises(MockApifyError) as raised:
        mock_apify.request("POST", "/_mock/chaos", rule, auth=False)
    assert raised.value.status == status and says in raised.value.message


def test_rules_end_with_their_user_and_their_inbox(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("hook")
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor())
    mine = {mock_apify.chaos(duplicate=True)["id"], mock_apify.chaos(webhook=webhook, failFirst=1)["id"]}
    on_inbox = mock_apify.chaos(inbox=inbox, delaySecs=5)
    assert {rule["id"] for rule in mock_apify.chaos_rules()} == mine
    everything = mock_apify.request("GET", "/_mock/chaos", auth=False)["data"]["items"]
    assert on_inbox["id"] in {rule["id"] for rule in everything}

    inbox.clear()
    mock_apify.request("POST", "/_mock/reset", {"userId": mock_apify.user_id}, auth=False)

    left = {rule["id"] for rule in mock_apify.request("GET", "/_mock/chaos", auth=False)["data"]["items"]}
    assert not left & (mine | {on_inbox["id"]})


def test_a_rule_for_some_dispatches_then_none(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("hook")
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor())
    rule = mock_apify.chaos(duplicate=True, times=1)
    mock_apify.test_webhook(webhook)
    mock_apify.test_webhook(webhook)
    deliveries = mock_apify.assert_delivered(inbox, "TEST", times=2)
    assert sorted(len(d.attempts) for d in deliveries) == [1, 2]
    assert mock_apify.chaos_rules() == [rule | {"matched": 1}]
    mock_apify.clear_chaos()
    assert mock_apify.chaos_rules() == []


@pytest.mark.mock_apify(chaos=[{"duplicate": True}])
def test_the_marker_sets_chaos_rules_for_the_test(mock_apify: MockApify) -> None:
    [rule] = mock_apify.chaos_rules()
    assert rule["duplicate"] and rule["userId"] == mock_apify.user_id


def test_a_failed_assertion_names_the_injected_faults(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("hook")
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor())
    mock_apify.chaos(failFirst=1, failWith="http-500", duplicate=True)
    mock_apify.test_webhook(webhook)
    with pytest.raises(AssertionError) as failed:
        mock_apify.assert_dispatched(webhook, "TEST", statuses=[200])
    assert "answered [500, 200, 200]" in str(failed.value)
    assert "injected by chaos: http-500, duplicate" in str(failed.value)


def test_a_planned_fault_survives_a_restart(tmp_path: Path) -> None:
    """The rule is gone after a restart (rules live in memory), but the dispatch it planned keeps
    its faults: the plan is stored with the dispatch."""
    config = Config(db=str(tmp_path / "state.db"), port=0, no_seed=True, clock="virtual")
    with ThreadedEmulator(config) as first:
        handle = MockApify(first.url, post(f"{first.url}/_mock/users", {})["data"])
        inbox = handle.inbox("hook")
        webhook = handle.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=handle.add_actor())
        handle.chaos(delaySecs=600, failFirst=1)
        dispatch = handle.test_webhook(webhook)
    with ThreadedEmulator(config) as second:
        handle = MockApify(
            second.url, {"id": handle.user_id, "username": handle.username, "token": handle.token}
        )
        assert handle.chaos_rules() == []
        assert handle.settle()
        calls = handle.dispatch(dispatch)["calls"]
    assert [i["fault"] for i in calls[0]["injected"]] == ["delay", "http-500"]
    # The inbox was on the first emulator's port: the real attempts after it find no one there.
    assert "injected" not in calls[1] and calls[1]["errorMessage"].startswith("Cannot send request")


def _reordered_runs(mock_apify: MockApify, seed: int) -> list[bool]:
    """Which of six runs a `random.reorder` rule held, from their dispatches' injected entries."""
    inbox = mock_apify.inbox(f"runs-{seed}-{len(mock_apify.chaos_rules())}")
    actor = mock_apify.add_actor()
    order = ["ACTOR.RUN.SUCCEEDED", "ACTOR.RUN.CREATED"]
    webhook = mock_apify.add_webhook(inbox, order, actor=actor)
    mock_apify.chaos(webhook=webhook, seed=seed, random={"reorder": 0.5}, reorder={"order": order})
    for _ in range(6):
        mock_apify.start_run(actor)
    assert mock_apify.settle()
    dispatches = mock_apify.dispatches(webhook)
    held = {
        d["eventData"]["actorRunId"]
        for d in dispatches
        if any(i["fault"] == "reorder" for i in d["calls"][0].get("injected", []))
    }
    runs = list(dict.fromkeys(d["eventData"]["actorRunId"] for d in dispatches))
    return [run in held for run in runs]


def test_random_reordering_repeats_from_its_seed(mock_apify: MockApify) -> None:
    first = _reordered_runs(mock_apify, 3)
    assert first == _reordered_runs(mock_apify, 3)
    assert True in first and False in first  # seed 3 holds some runs and not others


async def test_the_awaiting_handle_has_the_same_chaos_and_faults(mock_apify_app: AsyncMockApify) -> None:
    inbox = mock_apify_app.inbox("hook")
    webhook = await mock_apify_app.add_webhook(
        inbox, "ACTOR.RUN.SUCCEEDED", actor=await mock_apify_app.add_actor()
    )
    await mock_apify_app.chaos(inbox=inbox, duplicate=True)
    await mock_apify_app.fault("http-500", operation="webhook_test_post")
    with pytest.raises(MockApifyError):
        await mock_apify_app.test_webhook(webhook)
    await mock_apify_app.test_webhook(webhook)
    [delivery] = await mock_apify_app.assert_delivered(inbox, "TEST")
    assert len(delivery.attempts) == 2
