"""Every answer of Apify's API carries `X-RateLimit-Limit` (its reference, "Rate limiting"): the
resource's rate, 60 by default and 400 for starting runs; errors and streamed logs included. The
emulator's own `/_mock` paths are not Apify's and carry none."""

from __future__ import annotations

from conftest import Api


async def test_every_api_answer_reports_its_rate_limit(api: Api) -> None:
    actor = await api.create_actor()
    status, _, response = await api.call("GET", "/v2/webhooks")
    assert status == 200 and response.headers["X-RateLimit-Limit"] == "60"
    status, run, response = await api.call("POST", f"/v2/actors/{actor['id']}/runs")
    assert status == 201 and response.headers["X-RateLimit-Limit"] == "400"
    for path, token, expected in (("/v2/no-such-thing", None, 404), ("/v2/webhooks", "wrong", 401)):
        status, _, response = await api.call("GET", path, token=token)
        assert status == expected and response.headers["X-RateLimit-Limit"] == "60"
    async with api.session.get(
        f"{api.url}/v2/logs/{run['data']['id']}", params={"stream": "1", "token": api.token}
    ) as streamed:
        assert streamed.status == 200 and streamed.headers["X-RateLimit-Limit"] == "60"
    status, _, response = await api.call("GET", "/_mock/health", auth=False)
    assert status == 200 and "X-RateLimit-Limit" not in response.headers
