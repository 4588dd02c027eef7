"""Actors and tasks: enough of Apify's endpoints for webhooks to point at them."""

from __future__ import annotations

from conftest import Api


async def test_actor_create_get_list_delete(api: Api) -> None:
    status, body, response = await api.call(
        "POST", "/v2/actors", json={"name": "crawler", "title": "Crawler"}
    )
    assert status == 201
    actor = body["data"]
    assert response.headers["Location"].endswith(f"/v2/actors/{actor['id']}")
    assert actor["username"] == "mock-user" and actor["isPublic"] is False and actor["versions"] == []
    for ref in (actor["id"], "mock-user~crawler", "~crawler"):
        for prefix in ("/v2/actors", "/v2/acts"):
            status, body, _ = await api.call("GET", f"{prefix}/{ref}")
            assert status == 200 and body["data"] == actor, (prefix, ref)
    _, body, _ = await api.call("GET", "/v2/actors")
    assert body["data"]["total"] == 1
    assert body["data"]["items"][0] == {k: actor[k] for k in body["data"]["items"][0]}
    status, body, _ = await api.call("POST", "/v2/actors", json={"name": "crawler"})
    assert status == 400 and body["error"]["type"] == "actor-name-not-unique"
    status, _, _ = await api.call("DELETE", "/v2/actors/mock-user~crawler")
    assert status == 204
    status, body, _ = await api.call("GET", f"/v2/actors/{actor['id']}")
    assert status == 404 and body["error"]["type"] == "record-or-token-not-found"


async def test_task_create_get_list_delete(api: Api) -> None:
    actor = await api.create_actor("crawler")
    status, body, response = await api.call(
        "POST", "/v2/actor-tasks", json={"actId": actor["id"], "name": "daily", "input": {"q": 1}}
    )
    assert status == 201
    task = body["data"]
    assert response.headers["Location"].endswith(f"/v2/actor-tasks/{task['id']}")
    assert (task["actId"], task["name"], task["input"], task["userId"]) == (
        actor["id"],
        "daily",
        {"q": 1},
        actor["userId"],
    )
    for ref in (task["id"], "mock-user~daily"):
        status, body, _ = await api.call("GET", f"/v2/actor-tasks/{ref}")
        assert status == 200 and body["data"] == task
    _, body, _ = await api.call("GET", "/v2/actor-tasks")
    item = body["data"]["items"][0]
    assert (item["id"], item["actName"], item["actUsername"]) == (task["id"], "crawler", "mock-user")
    status, body, _ = await api.call("POST", "/v2/actor-tasks", json={"actId": "abcdefghijklmnopq"})
    assert status == 404
    status, _, _ = await api.call("DELETE", f"/v2/actor-tasks/{task['id']}")
    assert status == 204
    status, _, _ = await api.call("GET", f"/v2/actor-tasks/{task['id']}")
    assert status == 404
