"""`/v2/users/me` and `/v2/users/{userId}`: read by the official client, which validates the shapes,
and by raw HTTP for the private fields (the client's model of `me` keeps only the public ones)."""

from __future__ import annotations

import pytest
from apify_client import ApifyClient

from conftest import Api
from mock_apify.config import DEFAULT_TOKEN, DEFAULT_USER_ID, DEFAULT_USERNAME
from mock_apify.threaded import ThreadedEmulator


def test_the_official_client_reads_its_own_user_and_others(threaded: ThreadedEmulator) -> None:
    client = ApifyClient(DEFAULT_TOKEN, api_url=threaded.url, max_retries=0)
    me = client.user().get()
    assert me is not None and me.username == DEFAULT_USERNAME
    for key in (DEFAULT_USER_ID, DEFAULT_USERNAME):
        public = client.user(key).get()
        assert public is not None and public.username == DEFAULT_USERNAME
    assert client.user("NoSuchUser0000001").get() is None


async def test_me_is_the_tokens_user_with_the_private_fields(api: Api) -> None:
    other = await api.new_user()
    for token, user_id in ((DEFAULT_TOKEN, DEFAULT_USER_ID), (other["token"], other["id"])):
        status, body, _ = await api.call("GET", "/v2/users/me", token=token)
        assert status == 200 and body["data"]["id"] == user_id
        assert body["data"]["effectivePlatformFeatures"]["WEBHOOKS"]["isEnabled"] is True
    status, body, _ = await api.call("GET", f"/v2/users/{other['id']}")
    assert status == 200 and body["data"] == {"username": other["username"], "profile": {}}


@pytest.mark.parametrize("path", ["/v2/users/me", f"/v2/users/{DEFAULT_USER_ID}"])
async def test_reads_need_a_token(api: Api, path: str) -> None:
    status, body, _ = await api.call("GET", path, auth=False)
    assert status == 401 and body["error"]["type"] == "token-not-provided"
