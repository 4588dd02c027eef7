"""Inbound faults and the rate limiter (issue 15, section 2): the next N matching requests get
the fault, in Apify's envelope, and the official Python client retries them to a success;
`/_mock` is never affected, and one user's faults leave the others alone."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from apify_client import ApifyClient

from mock_apify.testing import MockApify, MockApifyError


def _retrying_client(mock_apify: MockApify) -> ApifyClient:
    return ApifyClient(
        mock_apify.token,
        api_url=mock_apify.url,
        api_public_url=mock_apify.url,
        max_retries=4,
        min_delay_between_retries=timedelta(milliseconds=10),
    )


def _pending(mock_apify: MockApify) -> list[dict[str, Any]]:
    answer = mock_apify.request("GET", "/_mock/faults", params={"userId": mock_apify.user_id}, auth=False)
    return list(answer["data"]["items"])


def test_a_429_with_retry_after_answers_the_next_requests(mock_apify: MockApify) -> None:
    mock_apify.fault("rate-limit", operation="webhooks_get", times=2, retryAfterSecs=3)
    for _ in range(2):
        with pytest.raises(MockApifyError) as raised:
            mock_apify.webhooks()
        assert raised.value.status == 429 and raised.value.type == "rate-limit-exceeded"
    assert mock_apify.webhooks() == []
    assert _pending(mock_apify) == []


@pytest.mark.parametrize("fault", ["rate-limit", "http-500", "http-502", "http-503", "drop"])
def test_the_official_python_client_retries_to_a_success(mock_apify: MockApify, fault: str) -> None:
    actor = mock_apify.add_actor("crawler")
    mock_apify.fault(fault, method="GET", path="/v2/actors/*", times=2)

    found = _retrying_client(mock_apify).actor(actor["id"]).get()

    assert found is not None and found.id == actor["id"]
    assert _pending(mock_apify) == []  # both faulty answers were given, and the third succeeded


def test_an_error_fault_answers_in_apifys_envelope(mock_apify: MockApify) -> None:
    mock_apify.fault("http-502", operation="webhooks_get")
    with pytest.raises(MockApifyError) as raised:
        mock_apify.webhooks()
    assert (raised.value.status, raised.value.type) == (502, "bad-gateway")


def test_a_delay_fault_answers_late_but_answers(mock_apify: MockApify) -> None:
    mock_apify.fault("delay", operation="webhooks_get", delayMs=50)
    assert mock_apify.webhooks() == []
    assert _pending(mock_apify) == []


def test_faults_are_per_user_and_never_touch_the_controls(mock_apify: MockApify) -> None:
    mock_apify.fault("http-500", path="/v2/*", times=5)
    other = mock_apify.request("POST", "/_mock/users", {}, auth=False)["data"]
    answer = mock_apify.request("GET", "/_mock/clock", auth=False)  # /_mock is never faulted
    assert answer["data"]["mode"] == "virtual"
    for body in ({"path": "/_mock/*", "fault": "drop"}, {"operationId": "mock_clock_get", "fault": "drop"}):
        with pytest.raises(MockApifyError) as raised:
            mock_apify.request("POST", "/_mock/faults", body, auth=False)
        assert raised.value.status == 400
    client = ApifyClient(other["token"], api_url=mock_apify.url, api_public_url=mock_apify.url, max_retries=0)
    assert client.webhooks().list().total == 0  # another user's requests are not faulted
    assert _pending(mock_apify)[0]["remaining"] == 5


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"fault": "drop"}, 400),
        ({"operationId": "no_such_operation", "fault": "drop"}, 400),
        ({"operationId": "webhooks_get", "fault": "explode"}, 400),
        ({"operationId": "webhooks_get", "fault": "http-500", "times": 0}, 400),
        ({"operationId": "webhooks_get", "fault": "http-500", "userId": "NoSuchUser0000001"}, 404),
    ],
)
def test_bad_faults_are_refused(mock_apify: MockApify, body: dict[str, Any], status: int) -> None:
    with pytest.raises(MockApifyError) as raised:
        mock_apify.request("POST", "/_mock/faults", body, auth=False)
    assert raised.value.status == status


def test_the_rate_limiter_enforces_apifys_rate_per_resource(mock_apify: MockApify) -> None:
    assert mock_apify.rate_limit() == {"enabled": False, "userIds": [mock_apify.user_id]}
    client = ApifyClient(
        mock_apify.token, api_url=mock_apify.url, api_public_url=mock_apify.url, max_retries=0
    )
    for _ in range(60):  # 60 per second per resource: the virtual clock stands still meanwhile
        client.webhooks().list()
    with pytest.raises(MockApifyError) as raised:
        mock_apify.webhooks()
    assert raised.value.status == 429
    assert "rate limit of 60 requests per second" in raised.value.message
    assert mock_apify.actor(mock_apify.add_actor())  # another resource has a rate of its own
    mock_apify.advance(1)  # the next second
    assert mock_apify.webhooks() == []
    mock_apify.rate_limit(False)
    assert mock_apify.rate_limit(False)["userIds"] == []


def _get(mock_apify: MockApify, path: str) -> tuple[int, Any, Any]:
    """Status, headers and JSON body of a GET as the test user, error statuses included."""
    request = urllib.request.Request(
        mock_apify.url + path, headers={"Authorization": f"Bearer {mock_apify.token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def test_429_answers_carry_retry_after_and_the_rate_limit_headers(mock_apify: MockApify) -> None:
    mock_apify.fault("rate-limit", operation="webhooks_get", retryAfterSecs=7)
    status, headers, body = _get(mock_apify, "/v2/webhooks")
    assert (status, headers["Retry-After"], headers["X-RateLimit-Limit"]) == (429, "7", "60")
    assert body["error"]["type"] == "rate-limit-exceeded"

    mock_apify.rate_limit()
    status, headers, _ = _get(mock_apify, "/v2/webhooks")
    assert (status, headers["X-RateLimit-Remaining"]) == (200, "59")
    for _ in range(59):
        _get(mock_apify, "/v2/webhooks")
    status, headers, body = _get(mock_apify, "/v2/webhooks")
    assert (status, headers["Retry-After"], headers["X-RateLimit-Remaining"]) == (429, "1", "0")


def test_path_patterns_match_the_legacy_acts_prefix_too(mock_apify: MockApify) -> None:
    """Older clients call /v2/acts/...: the same resource as /v2/actors/..., so the same fault."""
    actor = mock_apify.add_actor("crawler")
    mock_apify.fault("http-503", path="/v2/actors/*")
    status, _, body = _get(mock_apify, f"/v2/acts/{actor['id']}/")
    assert (status, body["error"]["type"]) == (503, "service-unavailable")
