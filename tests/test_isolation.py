"""Users never see or touch each other's records; emulator-control users and resets."""

from __future__ import annotations

from conftest import Api, webhook_fields


async def test_other_users_records_are_404_and_unchanged(api: Api) -> None:
    actor = await api.create_actor("mine")
    task = await api.create_task(actor["id"])
    webhook = await api.create_webhook(**webhook_fields(actor["id"]))
    other = await api.new_user()
    token = other["token"]
    for method, path, body in (
        ("GET", f"/v2/webhooks/{webhook['id']}", None),
        ("PUT", f"/v2/webhooks/{webhook['id']}", {"description": "stolen"}),
        ("DELETE", f"/v2/webhooks/{webhook['id']}", None),
        ("GET", f"/v2/actors/{actor['id']}", None),
        ("DELETE", f"/v2/actors/{actor['id']}", None),
        ("GET", f"/v2/actors/{actor['id']}/webhooks", None),
        ("GET", "/v2/actors/mock-user~mine", None),
        ("GET", f"/v2/actor-tasks/{task['id']}", None),
        ("DELETE", f"/v2/actor-tasks/{task['id']}", None),
        ("GET", f"/v2/actor-tasks/{task['id']}/webhooks", None),
    ):
        status, reply, _ = await api.call(method, path, json=body, token=token)
        assert status == 404, (method, path, reply)
        assert reply["error"]["type"] in ("record-not-found", "record-or-token-not-found")
    # The other user cannot point a webhook at my Actor either.
    status, _, _ = await api.call("POST", "/v2/webhooks", json=webhook_fields(actor["id"]), token=token)
    assert status == 404
    _, reply, _ = await api.call("GET", "/v2/webhooks", token=token)
    assert reply["data"]["total"] == 0
    _, reply, _ = await api.call("GET", f"/v2/webhooks/{webhook['id']}")
    assert reply["data"] == webhook
    _, reply, _ = await api.call("GET", f"/v2/actors/{actor['id']}")
    assert reply["data"]["id"] == actor["id"]


async def test_idempotency_keys_are_per_user(api: Api) -> None:
    mine = await api.create_webhook(**webhook_fields((await api.create_actor())["id"], idempotencyKey="k"))
    other = await api.new_user()
    their_actor = await api.create_actor(token=other["token"])
    theirs = await api.create_webhook(
        token=other["token"], **webhook_fields(their_actor["id"], idempotencyKey="k")
    )
    assert theirs["id"] != mine["id"] and theirs["userId"] == other["id"]


async def test_new_users_get_distinct_tokens_and_names(api: Api) -> None:
    first, second = await api.new_user(), await api.new_user()
    assert first["token"] != second["token"] and first["id"] != second["id"]
    status, body, _ = await api.call("POST", "/_mock/users", json={"username": first["username"]}, auth=False)
    assert status == 400 and body["error"]["type"] == "username-already-taken"
    status, body, _ = await api.call("POST", "/_mock/users", json={"username": "named"}, auth=False)
    assert status == 201 and body["data"]["username"] == "named"


async def test_reset_one_user_leaves_others(api: Api) -> None:
    await api.create_webhook(**webhook_fields((await api.create_actor())["id"]))
    other = await api.new_user()
    await api.create_webhook(
        token=other["token"], **webhook_fields((await api.create_actor(token=other["token"]))["id"])
    )
    status, body, _ = await api.call("POST", "/_mock/reset", json={"userId": other["id"]}, auth=False)
    assert status == 200 and body["data"] == {"reset": "user", "userId": other["id"]}
    _, body, _ = await api.call("GET", "/v2/webhooks", token=other["token"])
    assert body["data"]["total"] == 0  # the user and its token stay valid
    _, body, _ = await api.call("GET", "/v2/webhooks")
    assert body["data"]["total"] == 1
    status, body, _ = await api.call("POST", "/_mock/reset", json={"userId": "nobodyxxxxxxxxxxx"}, auth=False)
    assert status == 404


async def test_a_users_reset_empties_the_inboxes_it_names_and_no_other(api: Api) -> None:
    other = await api.new_user()
    for name in ("named", "kept"):
        await api.call("PUT", f"/_mock/inboxes/{name}", json={"status": 500}, auth=False)
        await api.call("POST", f"/_mock/inboxes/{name}", json={"n": 1}, auth=False)
    body = {"userId": other["id"], "inboxes": ["named", "never-used"]}
    status, answer, _ = await api.call("POST", "/_mock/reset", json=body, auth=False)
    assert status == 200 and answer["data"] == {"reset": "user", "userId": other["id"]}
    _, named, _ = await api.call("GET", "/_mock/inboxes/named", auth=False)
    _, kept, _ = await api.call("GET", "/_mock/inboxes/kept", auth=False)
    assert (named["data"]["total"], named["data"]["behaviour"]["status"]) == (0, 200)
    assert (kept["data"]["total"], kept["data"]["behaviour"]["status"]) == (1, 500)
    body = {"userId": "nobodyxxxxxxxxxxx", "inboxes": ["kept"]}
    status, _, _ = await api.call("POST", "/_mock/reset", json=body, auth=False)
    _, kept, _ = await api.call("GET", "/_mock/inboxes/kept", auth=False)
    assert status == 404 and kept["data"]["total"] == 1  # an unknown user empties nothing


async def test_users_made_in_a_batch_are_distinct_and_work(api: Api) -> None:
    status, body, _ = await api.call("POST", "/_mock/users/batch", json={"count": 3}, auth=False)
    users = body["data"]["items"]
    assert status == 201 and len({(u["id"], u["username"], u["token"]) for u in users}) == 3
    for user in users:
        _, me, _ = await api.call("GET", "/v2/users/me", token=user["token"])
        assert me["data"]["id"] == user["id"]
    for count in (0, 101):
        status, _, _ = await api.call("POST", "/_mock/users/batch", json={"count": count}, auth=False)
        assert status == 400


async def test_reset_all_wipes_everything_but_the_default_user(api: Api) -> None:
    await api.create_webhook(**webhook_fields((await api.create_actor())["id"]))
    other = await api.new_user()
    status, body, _ = await api.call("POST", "/_mock/reset", json={}, auth=False)
    assert status == 200 and body["data"]["reset"] == "all"
    _, body, _ = await api.call("GET", "/v2/webhooks")
    assert body["data"]["total"] == 0
    status, _, _ = await api.call("GET", "/v2/webhooks", token=other["token"])
    assert status == 401


async def test_health_and_document_need_no_token(api: Api) -> None:
    status, body, _ = await api.call("GET", "/_mock/health", auth=False)
    assert status == 200 and body["data"]["status"] == "ok"
    status, body, _ = await api.call("GET", "/_mock/openapi.json", auth=False)
    assert status == 200 and body["openapi"].startswith("3.1")


async def test_a_seed_loads_into_each_user_under_fresh_ids(api: Api) -> None:
    hook = {
        "id": "h1",
        "eventTypes": ["TEST"],
        "condition": {"actorId": "a1"},
        "requestUrl": "http://127.0.0.1:9/x",
    }
    actor = {
        "id": "a1",
        "name": "seeded",
        "tasks": [{"id": "t1", "name": "nightly"}],
        "behaviour": {"run": {"status": None}},
    }
    seed = {
        "users": [{"id": "u1", "username": "one", "actors": [actor], "webhooks": [hook]}, {"username": "two"}]
    }
    first, second = await api.new_user(), await api.new_user()
    loaded = []
    for user in (first, second):  # the same seed twice: no clash, since every record is new
        status, body, _ = await api.call("POST", f"/_mock/users/{user['id']}/seed", json=seed, auth=False)
        assert status == 200, body
        loaded.append(body["data"])
    ids = loaded[1]["ids"]
    assert loaded[1]["userId"] == second["id"] and ids["u1"] == second["id"]
    assert ids["a1"] != loaded[0]["ids"]["a1"] and set(ids) == {"u1", "a1", "t1", "h1"}
    _, body, _ = await api.call("GET", f"/v2/webhooks/{ids['h1']}", token=second["token"])
    assert body["data"]["condition"] == {"actorId": ids["a1"]}
    _, body, _ = await api.call("GET", f"/v2/actor-tasks/{ids['t1']}", token=second["token"])
    assert body["data"]["actId"] == ids["a1"]
    _, body, _ = await api.call("GET", f"/_mock/actors/{ids['a1']}/behaviour", auth=False)
    assert body["data"]["run"] == {"status": None}


async def test_a_seed_that_cannot_load_names_the_record(api: Api) -> None:
    user = await api.new_user()
    path = f"/_mock/users/{user['id']}/seed"
    bad_task = {"users": [{}, {"actors": [{"name": "ok", "tasks": [{"nope": 1}]}]}]}
    status, body, _ = await api.call("POST", path, json=bad_task, auth=False)
    assert status == 400 and body["error"]["type"] == "invalid-seed"
    assert body["error"]["message"].startswith("users[1].actors[0].tasks[0]: ")
    hook = {"eventTypes": ["ACTOR.RUN.SUCCEEDED"], "requestUrl": "http://127.0.0.1/x"}
    elsewhere = {"users": [{"webhooks": [{"id": "h1", **hook, "condition": {"actorId": "a9"}}]}]}
    status, body, _ = await api.call("POST", path, json=elsewhere, auth=False)
    assert status == 400 and body["error"]["message"] == (
        'users[0].webhooks[0].condition.actorId: no Actor "a9" in this seed or of this user'
    )
    twice = {"users": [{"actors": [{"name": "same"}, {"name": "same"}]}]}
    status, body, _ = await api.call("POST", path, json=twice, auth=False)
    assert status == 400 and body["error"]["message"].startswith("users[0].actors[1]: ")
    status, body, _ = await api.call("POST", path, json=twice, params={"username": "ghost"}, auth=False)
    assert status == 400 and "no user 'ghost'" in body["error"]["message"]
    status, body, _ = await api.call("POST", "/_mock/users/nobodyxxxxxxxxxxx/seed", json={}, auth=False)
    assert status == 404
