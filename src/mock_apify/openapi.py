"""Our OpenAPI document: loaded once at start-up, turned into one `Operation` per method and path,
each with compiled validators for its query parameters and JSON body, and named schema checks for
what services validate themselves (ad-hoc webhooks, behaviours, seed records). Nothing validates
by hand what the document says. No aiohttp here: the router lives in `api`."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema_rs
import orjson

from .errors import InvalidParameter, SchemaValidation

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_PARAM = re.compile(r"\{([^}]+)\}")


def document_path() -> Path:
    """The document inside an installed wheel, else `openapi/openapi.yaml` of a source checkout."""
    bundled = resources.files("mock_apify") / "openapi.yaml"
    if bundled.is_file():
        return Path(str(bundled))
    return Path(__file__).resolve().parents[2] / "openapi" / "openapi.yaml"


def load_document(path: Path | None = None) -> dict[str, Any]:
    """The document, parsed.

    Parsing the YAML (and importing PyYAML) took about 90 ms, most of start-up beyond aiohttp's
    own imports; so the parsed form is kept as JSON in the user's cache directory, named by a
    hash of the YAML's bytes. A missing, stale or unwritable cache only costs the parse."""
    source = (path or document_path()).read_bytes()
    cache = _cache_file(source)
    if cache is not None:
        try:
            cached: dict[str, Any] = orjson.loads(cache.read_bytes())
            return cached
        except (OSError, orjson.JSONDecodeError):
            pass
    import yaml  # only on a cache miss

    document: dict[str, Any] = yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if cache is not None:
        _write_cache(cache, document)
    return document


def _cache_file(source: bytes) -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        root = Path(base) if base else Path.home() / ".cache"
    except RuntimeError:  # no home directory
        return None
    return root / "mock-apify" / f"openapi-{hashlib.sha256(source).hexdigest()[:24]}.json"


def _write_cache(cache: Path, document: dict[str, Any]) -> None:
    """Written whole under a temporary name, then renamed, so readers never see half a file."""
    try:
        rendered = orjson.dumps(document)
        if orjson.loads(rendered) != document:  # a YAML-only value (a date, say) would not survive
            return
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache.parent, prefix=".openapi-", delete=False) as stream:
            stream.write(rendered)
        os.replace(stream.name, cache)
    except (OSError, TypeError):
        pass


def _field_path(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _allowed(error: Any) -> list[str] | None:
    """The values an `enum`, or an `anyOf` of enums and types (`null`, say), allows; None when a
    branch is something else (an object schema), which no list of values describes."""
    kind = type(error.kind).__name__
    if kind == "Enum":
        return [_shown(option) for option in error.kind.options]
    if kind == "Type":
        return [str(getattr(t, "name", t)).lower() for t in error.kind.types]
    if kind != "AnyOf":
        return None
    allowed: list[str] = []
    here = list(error.instance_path)
    for branch in error.kind.context:
        if any(list(sub.instance_path) != here for sub in branch):
            return None  # the value fails inside this branch: no list of values describes it
        kinds = {type(sub.kind).__name__: sub for sub in branch}
        chosen = kinds.get("Enum") or (kinds.get("Type") if len(kinds) == 1 else None)
        found = None if chosen is None else _allowed(chosen)
        if found is None:
            return None
        allowed += found
    return allowed


def _closest_branch(error: Any) -> Any:
    """The first error of the one `anyOf` branch of the right type (`{object} | null` given an
    object that fails inside), so the message says what is wrong in it; None when not just one."""
    depth = len(list(error.instance_path))
    near = [
        branch
        for branch in error.kind.context
        if branch
        and not (type(branch[0].kind).__name__ == "Type" and len(list(branch[0].instance_path)) == depth)
    ]
    return near[0][0] if len(near) == 1 else None


def _describe(error: Any) -> str:
    """A message in Apify's style that names the offending field (and, for an enum, what it allows)."""
    where = _field_path(list(error.instance_path))
    kind = type(error.kind).__name__
    allowed = _allowed(error) if kind in ("Enum", "AnyOf") else None
    if allowed is not None:
        return (
            f"Invalid value provided in {where or 'input'}: {_shown(error.instance)} is not an allowed "
            f"value (allowed: {', '.join(allowed)})"
        )
    if kind == "AnyOf" and (closest := _closest_branch(error)) is not None:
        return _describe(closest)
    if kind == "Required":
        missing = getattr(error.kind, "property", None) or error.message.split('"')[1]
        field = f"{where}.{missing}" if where else str(missing)
        return f"Field {field} is required"
    if kind == "AdditionalProperties":
        return f"Invalid input{' in ' + where if where else ''}: {error.message}"
    return f"Invalid value provided in {where or 'input'}: {error.message}"


DOCUMENT_URI = "urn:mock-apify:openapi"


def registry(document: Mapping[str, Any]) -> Any:
    """The document as one JSON Schema resource: validators point into it instead of each
    compiling its own copy of the components (which cost ~35 MB and 50 ms at start-up)."""
    return jsonschema_rs.Registry([(DOCUMENT_URI, dict(document))])


def pointer(*parts: str | int) -> str:
    """A JSON pointer into the document (RFC 6901 escaping)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def ref(json_pointer: str) -> dict[str, str]:
    """A `$ref` to a place in the document (the pointer percent-encoded, as URI fragments are)."""
    return {"$ref": f"{DOCUMENT_URI}#{quote(json_pointer, safe='/~')}"}


class SchemaCheck:
    """A compiled validator; refs into the document resolve through the shared registry."""

    def __init__(self, schema: Mapping[str, Any], schemas: Any) -> None:
        self._validator = jsonschema_rs.validator_for({"$schema": _DIALECT, **schema}, registry=schemas)

    def first_error(self, instance: Any) -> str | None:
        for error in self._validator.iter_errors(instance):
            return _describe(error)
        return None


@dataclass(frozen=True)
class QueryParam:
    name: str
    type: str

    def coerce(self, raw: str) -> Any:
        """Query strings carry text; turn it into the declared type or refuse it."""
        if self.type == "integer":
            try:
                return int(raw, 10)
            except ValueError:
                raise InvalidParameter(f"Parameter '{self.name}' must be an integer, got '{raw}'") from None
        if self.type == "boolean":
            lowered = raw.lower()
            if lowered in ("1", "true"):
                return True
            if lowered in ("0", "false", ""):
                return False
            raise InvalidParameter(
                f"Parameter '{self.name}' must be a boolean (true, false, 1 or 0), got '{raw}'"
            )
        return raw


class Operation:
    def __init__(
        self, method: str, path: str, spec: Mapping[str, Any], document: Mapping[str, Any], schemas: Any
    ) -> None:
        self.method = method.upper()
        self.path = path
        self.operation_id: str = spec["operationId"]
        self.path_params: tuple[str, ...] = tuple(_PARAM.findall(path))
        security = spec.get("security", document.get("security"))
        self.needs_auth = security != []
        # `{}` among the alternatives: a token is checked when sent, but none is needed (Apify lets
        # anyone with a run's hard-to-guess ID read it).
        self.auth_optional = {} in (security or [])
        here = pointer("paths", path, method)
        located = [
            _locate(param, f"{here}/parameters/{i}", document)
            for i, param in enumerate(spec.get("parameters", []))
        ]
        query = [(param, where) for param, where in located if param["in"] == "query"]
        self.query_params = tuple(
            QueryParam(p["name"], p.get("schema", {}).get("type", "string")) for p, _ in query
        )
        self._query_required = any(p.get("required") for p, _ in query)
        self._query_check = SchemaCheck(
            {
                "type": "object",
                "properties": {p["name"]: ref(f"{where}/schema") for p, where in query},
                "required": [p["name"] for p, _ in query if p.get("required")],
            },
            schemas,
        )
        # Only JSON bodies are parsed and checked here; an operation taking any content (the
        # built-in receiver) reads its body itself.
        body: Mapping[str, Any] = {}
        where = ""
        if "requestBody" in spec:
            body, where = _locate(spec["requestBody"], f"{here}/requestBody", document)
        # `x-mock-apify-own-body`: the handler reads its JSON itself (a dataset push takes arrays too).
        json_body = (
            None if spec.get("x-mock-apify-own-body") else body.get("content", {}).get("application/json")
        )
        self.has_body = json_body is not None
        self.body_required = bool(json_body and body.get("required"))
        body_schema = ref(where + pointer("content", "application/json", "schema"))
        self._body_check = SchemaCheck(body_schema, schemas) if json_body else None

    def parse_query(self, query: Mapping[str, str]) -> dict[str, Any]:
        """Coerce and validate the declared query parameters; undeclared ones are ignored."""
        values = {p.name: p.coerce(query[p.name]) for p in self.query_params if p.name in query}
        if (values or self._query_required) and (problem := self._query_check.first_error(values)):
            raise InvalidParameter(problem)
        return values

    def check_body(self, body: Any) -> None:
        if self._body_check and (problem := self._body_check.first_error(body)):
            raise SchemaValidation(problem)


def _locate(
    node: Mapping[str, Any], where: str, document: Mapping[str, Any]
) -> tuple[Mapping[str, Any], str]:
    """Follow a local `$ref` (parameters, request bodies) to its target, and the target's pointer."""
    while "$ref" in node:
        where = node["$ref"].removeprefix("#")
        target: Any = document
        for part in where.split("/")[1:]:
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node, where


def operations(document: Mapping[str, Any], schemas: Any = None) -> list[Operation]:
    schemas = schemas if schemas is not None else registry(document)
    return [
        Operation(method, path, spec, document, schemas)
        for path, item in document["paths"].items()
        for method, spec in item.items()
        if method in HTTP_METHODS
    ]


def path_aliases(document: Mapping[str, Any]) -> dict[str, str]:
    aliases: dict[str, str] = document.get("x-mock-apify-path-aliases", {})
    return aliases


class Document:
    """The loaded document, its operations by operationId, and compiled checks of its component
    schemas, all pointing into one shared registry."""

    def __init__(self, spec: dict[str, Any] | None = None) -> None:
        self.spec = spec if spec is not None else load_document()
        self._registry = registry(self.spec)
        self.operations = {op.operation_id: op for op in operations(self.spec, self._registry)}
        self.aliases = path_aliases(self.spec)
        self._checks: dict[str, SchemaCheck] = {}

    def schema(self, name: str) -> SchemaCheck:
        """A validator for one of the document's component schemas (compiled once)."""
        if name not in self._checks:
            self._checks[name] = SchemaCheck(ref(pointer("components", "schemas", name)), self._registry)
        return self._checks[name]
