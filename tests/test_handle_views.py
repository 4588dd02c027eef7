"""The async handle and inbox are generated from the same operations as the sync ones: the same
public members, the same parameters and documentation, every operation a coroutine, one state."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from mock_apify.testing import AsyncMockApify, MockApify
from mock_apify.testing.operations import operation

USER = {"id": "UserId00000000001", "username": "jane", "token": "apify_api_t"}


def _public(view: object) -> dict[str, Any]:
    return {name: getattr(view, name) for name in dir(view) if not name.startswith("_")}


def _pairs() -> list[tuple[object, object]]:
    handle = MockApify("http://127.0.0.1:9", USER)  # no call is made
    return [(handle, handle.aio), (handle.inbox("box"), handle.aio.inbox("box"))]


@pytest.mark.parametrize(("sync", "aio"), _pairs(), ids=["handle", "inbox"])
def test_the_async_view_has_the_sync_views_members(sync: object, aio: object) -> None:
    sync_members, async_members = _public(sync), _public(aio)
    assert set(sync_members) - {"aio"} == set(async_members) - {"sync"}
    assert async_members["sync"] is sync
    for name, member in sync_members.items():
        if name == "aio":
            continue
        twin = async_members[name]
        if not callable(member):
            assert twin is member or twin == member, name  # one state behind both views
            continue
        assert inspect.signature(twin).parameters == inspect.signature(member).parameters, name
        is_operation = isinstance(inspect.getattr_static(type(sync), name), operation)
        assert inspect.iscoroutinefunction(twin) is is_operation, name
        assert not inspect.iscoroutinefunction(member), name
        if is_operation:
            assert twin.__doc__ == member.__doc__ and member.__doc__, name


def test_an_operation_has_the_signature_of_its_method_less_the_state() -> None:
    (handle, aio), _ = _pairs()
    assert isinstance(handle, MockApify) and isinstance(aio, AsyncMockApify)
    for view in (handle, aio):
        assert list(inspect.signature(view.settle).parameters) == ["max_rounds", "timeout_secs"]
        assert list(inspect.signature(view.seed).parameters) == ["actors", "tasks_per_actor"]
        assert view.settle.__name__ == "settle"
