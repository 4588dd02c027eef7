"""The standalone process's chaos flags (issue 15, section 1) and its rate limiter (section 2): one
rule for every dispatch, from `--chaos-*` flags over MOCK_APIFY_CHAOS; bad ones stop start-up
with one line."""

from __future__ import annotations

import signal

import pytest

from processes import call, get, post, start, start_fails, stop


def _inbox_hook(url: str) -> dict[str, str]:
    actor = post(f"{url}/v2/actors", {"name": "crawler"})["data"]
    hook = {
        "eventTypes": ["TEST"],
        "condition": {"actorId": actor["id"]},
        "requestUrl": f"{url}/_mock/inboxes/cli",
    }
    webhook: dict[str, str] = post(f"{url}/v2/webhooks", hook)["data"]
    return webhook


def test_chaos_flags_make_one_rule_for_every_dispatch() -> None:
    process, url, _ = start(
        "--port", "0", "--db", ":memory:", "--no-seed", "--quiet", "--clock", "virtual",
        "--chaos-duplicate", "--chaos-fail-first", "1", "--chaos-fail-with", "connection-reset",
        "--chaos-seed", "4",
        env={"MOCK_APIFY_CHAOS": '{"delaySecs": {"min": 1, "max": 2}}'},
    )  # fmt: skip
    try:
        [rule] = get(f"{url}/_mock/chaos")["data"]["items"]
        assert rule["duplicate"] and rule["failFirst"] == 1 and rule["seed"] == 4 and "userId" not in rule
        assert rule["delaySecs"] == {"min": 1, "max": 2}
        dispatch = post(f"{url}/v2/webhooks/{_inbox_hook(url)['id']}/test", None)["data"]
        assert post(f"{url}/_mock/dispatches/settle", {})["data"]["settled"]
        calls = get(f"{url}/v2/webhook-dispatches/{dispatch['id']}")["data"]["calls"]
        faults = [[i["fault"] for i in c.get("injected", [])] for c in calls]
        assert faults == [["delay", "connection-reset"], [], ["duplicate"]]
        assert get(f"{url}/_mock/inboxes/cli")["data"]["total"] == 2
        post(f"{url}/_mock/reset", {})  # a full reset keeps the start-up rule
        assert len(get(f"{url}/_mock/chaos")["data"]["items"]) == 1
    finally:
        stop(process, signal.SIGTERM)


def test_the_rate_limit_flag_enforces_apifys_rate() -> None:
    process, url, _ = start(
        "--port", "0", "--db", ":memory:", "--quiet", "--clock", "virtual", "--rate-limit"
    )
    try:
        statuses = [call("GET", f"{url}/v2/webhooks")[0] for _ in range(61)]
        assert statuses == [200] * 60 + [429]
        assert get(f"{url}/_mock/rate-limit")["data"] == {"enabled": True, "userIds": []}
    finally:
        stop(process, signal.SIGTERM)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--chaos-fail-first", "20"), "--chaos-* options: Invalid value provided in failFirst: 20"),
        (("--chaos-delay", "9-3"), "--chaos-* options: Invalid value provided in delaySecs: min is greater"),
        (
            ("--chaos-reorder", "ACTOR.RUN.CREATED,NOPE"),
            "--chaos-* options: Invalid value provided in reorder.order[1]: NOPE",
        ),
        (("--chaos-seed", "3"), "--chaos-* options: The chaos rule injects nothing"),
    ],
)
def test_bad_chaos_flags_stop_start_up_with_one_line(args: tuple[str, ...], says: str) -> None:
    assert start_fails("--port", "0", "--db", ":memory:", *args).startswith(f"mock-apify: {says}")
