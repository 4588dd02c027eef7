"""Matching a request's method and path to an operation of the document.

Built from the document alone, so the router and the document cannot list different operations.
Also does what Apify does before routing: the legacy `/v2/acts` prefix, trailing slashes, and the
`?method=` override."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..errors import MethodNotAllowed, PageNotFound
from ..openapi import Operation

_PARAM = re.compile(r"\\\{([^}]+)\\\}")


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + _PARAM.sub(r"(?P<\1>[^/]+)", re.escape(path)) + "$")


class Router:
    def __init__(self, operations: Iterable[Operation], aliases: Mapping[str, str]) -> None:
        by_path: dict[str, dict[str, Operation]] = {}
        for operation in operations:
            by_path.setdefault(operation.path, {})[operation.method] = operation
        self._static = {path: ops for path, ops in by_path.items() if "{" not in path}
        # Fewer parameters first, so a literal segment wins over a parameter in its place:
        # `/v2/actors/{actorId}/runs/last` before `/v2/actors/{actorId}/runs/{runId}`.
        dynamic = sorted((path for path in by_path if "{" in path), key=lambda path: path.count("{"))
        self._dynamic = [(_pattern(path), by_path[path]) for path in dynamic]
        self._aliases = dict(aliases)

    def canonical_path(self, path: str) -> str:
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        for alias, target in self._aliases.items():
            if path == alias or path.startswith(alias + "/"):
                return target + path[len(alias) :]
        return path

    def _lookup(self, path: str) -> tuple[dict[str, Operation], dict[str, str]] | None:
        path = self.canonical_path(path)
        ops = self._static.get(path)
        if ops is not None:
            return ops, {}
        for pattern, candidate in self._dynamic:
            match = pattern.match(path)
            if match:
                return candidate, match.groupdict()
        return None

    def _not_found(self, path: str) -> PageNotFound:
        """Apify's 404, with a hint when the path would match with one `/v2` less or more: a
        client given a base URL that ends in `/v2` asks for `/v2/v2/...`."""
        if path.startswith("/v2/v2/") and self._lookup(path[3:]) is not None:
            hint = (
                "The path starts with /v2/v2: the API's base URL is the host alone (e.g."
                " http://127.0.0.1:8765), as clients add /v2 themselves."
            )
        elif not path.startswith(("/v2/", "/_mock/")) and self._lookup("/v2" + path) is not None:
            hint = f"API paths start with /v2: did you mean /v2{path}?"
        else:
            return PageNotFound()
        return PageNotFound(f"{PageNotFound.message} {hint}")

    def resolve(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation and its path parameters; 404 page-not-found or 405 method-not-allowed."""
        found = self._lookup(path)
        if found is None:
            raise self._not_found(path)
        ops, params = found
        operation = ops.get("GET" if method == "HEAD" else method)
        if operation is None:
            raise MethodNotAllowed(list(ops))
        return operation, params
