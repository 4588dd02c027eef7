"""The router, the handler table and the document describe the same operations."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import yaml

from conftest import Api
from mock_apify.api import HANDLERS
from mock_apify.api.routing import Router
from mock_apify.openapi import HTTP_METHODS, document_path, load_document, operations

DOCUMENT = load_document()
DOCUMENTED = sorted(
    (method.upper(), path, spec["operationId"])
    for path, item in DOCUMENT["paths"].items()
    for method, spec in item.items()
    if method in HTTP_METHODS
)


def test_every_documented_operation_has_a_handler_and_no_handler_is_undocumented() -> None:
    assert sorted(op for _, _, op in DOCUMENTED) == sorted(HANDLERS)


@pytest.mark.parametrize(("method", "path", "operation_id"), DOCUMENTED)
def test_router_resolves_each_documented_operation(method: str, path: str, operation_id: str) -> None:
    router = Router(operations(DOCUMENT), DOCUMENT["x-mock-apify-path-aliases"])
    concrete = path.replace("{", "").replace("}", "")
    operation, params = router.resolve(method, concrete)
    assert operation.operation_id == operation_id
    assert set(params) == set(operation.path_params)
    if concrete.startswith("/v2/actors"):
        legacy, _ = router.resolve(method, concrete.replace("/v2/actors", "/v2/acts", 1))
        assert legacy.operation_id == operation_id


async def test_served_document_is_the_loaded_document(api: Api) -> None:
    status, body, _ = await api.call("GET", "/_mock/openapi.json", auth=False)
    assert status == 200 and body == DOCUMENT


def test_the_parsed_document_is_cached_and_a_bad_cache_only_costs_a_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    parsed = load_document()
    (cache,) = (tmp_path / "mock-apify").glob("openapi-*.json")
    assert parsed == DOCUMENT

    def no_yaml(*_: object, **__: object) -> None:
        raise AssertionError("parsed the YAML although the cache was there")

    with monkeypatch.context() as patched:
        patched.setattr(yaml, "load", no_yaml)
        assert load_document() == DOCUMENT

    cache.write_bytes(b'{"cut off')
    assert load_document() == DOCUMENT  # re-parsed, and the cache rewritten
    assert orjson.loads(cache.read_bytes()) == DOCUMENT

    edited = tmp_path / "edited.yaml"
    edited.write_text(document_path().read_text().replace("title:", "title: edited", 1))
    assert load_document(edited) != DOCUMENT  # another text, another cache entry
    assert len(list((tmp_path / "mock-apify").glob("openapi-*.json"))) == 2


def test_an_unwritable_cache_directory_still_loads_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert load_document() == DOCUMENT


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML keeps the last of two equal keys silently; this loader refuses them."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            assert key not in seen, f"duplicate key {key!r} at line {key_node.start_mark.line + 1}"
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def test_the_document_has_no_duplicate_keys() -> None:
    """Two branches once each added a schema named MockSeedUser; YAML kept the second silently."""
    yaml.load(document_path().read_text(), Loader=_UniqueKeyLoader)
