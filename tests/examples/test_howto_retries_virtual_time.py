"""How to test retry handling with virtual time.

The session emulator runs on a virtual clock: a failed delivery is retried after 1 minute, then 2,
4, … as on Apify, but `settle()` jumps the clock to each retry, so the whole schedule runs in
milliseconds. Script the inbox to fail, settle, and look at the dispatch's calls.
"""

from __future__ import annotations

import itertools
import time
from datetime import datetime
from typing import Any

from mock_apify.testing import MockApify


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_two_failures_then_success_make_three_calls(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("flaky")
    inbox.set_behaviour(script=[500, 500])  # fail twice, then answer 200
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor())

    dispatch = mock_apify.test_webhook(webhook)
    assert mock_apify.settle() is True

    done = mock_apify.dispatch(dispatch)
    assert done["status"] == "SUCCEEDED"
    assert [call["responseStatus"] for call in done["calls"]] == [500, 500, 200]
    starts = [_seconds(call["startedAt"]) for call in done["calls"]]
    assert [round(b - a) for a, b in itertools.pairwise(starts)] == [60, 120]
    # One delivery (one dispatch) that took three attempts.
    [delivery] = mock_apify.assert_delivered(inbox, "TEST")
    assert len(delivery.attempts) == 3


def test_a_receiver_that_never_recovers(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("down")
    inbox.set_behaviour(503)
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor())

    dispatch = mock_apify.test_webhook(webhook)
    assert mock_apify.settle() is True  # about 34 hours of retries, in virtual time

    done = mock_apify.dispatch(dispatch)
    assert done["status"] == "FAILED" and len(done["calls"]) == 12
    assert mock_apify.webhooks()[0]["lastDispatch"]["status"] == "FAILED"


def _calls_made(mock_apify: MockApify, dispatch: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """The dispatch's calls once it has made `count` (attempts run in the background); bounded."""
    deadline = time.monotonic() + 10
    while len(calls := mock_apify.dispatch(dispatch)["calls"]) < count:
        assert time.monotonic() < deadline, f"still {len(calls)} call(s) after 10 s"
        time.sleep(0.01)
    return list(calls)


def test_stepping_the_clock_by_hand(mock_apify: MockApify) -> None:
    inbox = mock_apify.inbox("flaky")
    inbox.set_behaviour(script=[500])
    webhook = mock_apify.add_webhook(inbox, "ACTOR.RUN.SUCCEEDED", actor=mock_apify.add_actor())
    dispatch = mock_apify.test_webhook(webhook)
    [first] = _calls_made(mock_apify, dispatch, 1)  # the first attempt goes out at once, and fails
    assert first["responseStatus"] == 500

    mock_apify.advance(30)  # the retry is due 60 s after the first attempt: not yet
    assert len(mock_apify.dispatch(dispatch)["calls"]) == 1

    mock_apify.advance(30)  # now it is due, and goes out in the background
    _, second = _calls_made(mock_apify, dispatch, 2)
    assert second["responseStatus"] == 200
    assert round(_seconds(second["startedAt"]) - _seconds(first["startedAt"])) == 60
    assert mock_apify.dispatch(dispatch)["status"] == "SUCCEEDED"
