"""The router, the handler table and the document describe the same operations."""

from __future__ import annotations

import pytest

from conftest import Api
from mock_apify.handlers import HANDLERS
from mock_apify.openapi import HTTP_METHODS, load_document, operations
from mock_apify.routing import Router

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
