"""The variables of Apify's payload templates: which names are allowed, how a name is looked up in
an event's context, and the string phase of `shouldInterpolateStrings`, which fills `{{name}}`
inside string values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from .jsvalues import INDEX_RE, UNDEFINED, TemplateError, TooLarge, js_string, js_stringify, js_truthy

# apify-shared's WEBHOOK_ALLOWED_PAYLOAD_VARIABLES plus `globals`, which Apify's webhook documentation
# lists and the live platform accepts.
ALLOWED_VARIABLES: Final[frozenset[str]] = frozenset(
    {"userId", "createdAt", "eventType", "eventData", "resource", "globals"}
)
# Names the string phase recognises (apify-shared's regex); the parse phase takes anything between braces.
_VARIABLE_RE: Final = re.compile(r"\{\{([a-zA-Z0-9.]+)\}\}")
_MAX_NAME_IN_MESSAGE: Final = 200


def check_variable(name: str) -> None:
    """Only the first segment is checked: sub-properties may legitimately be missing (they render null)."""
    if name.split(".", 1)[0] not in ALLOWED_VARIABLES:
        shown = name if len(name) <= _MAX_NAME_IN_MESSAGE else name[:_MAX_NAME_IN_MESSAGE] + "..."
        raise TemplateError(f"Invalid payload template variable: {shown}")


def lookup(context: Mapping[str, Any], name: str) -> Any:
    """apify-shared's property walk: a non-object (or falsy) step gives null, a missing key undefined."""
    first, *properties = name.split(".")
    value = context.get(first, UNDEFINED)
    for prop in properties:
        if not js_truthy(value) or not isinstance(value, Mapping | list | tuple):
            value = None
        elif isinstance(value, Mapping):
            value = value.get(prop, UNDEFINED)
        elif prop == "length":
            value = len(value)
        elif len(prop) <= 10 and INDEX_RE.fullmatch(prop) and int(prop) < len(value):
            value = value[int(prop)]
        else:
            value = UNDEFINED
    return value


def interpolate(value: Any, context: Mapping[str, Any], limit: int) -> Any:
    """apify-shared's ``interpolate``: walk values (never keys) and fill ``{{name}}`` inside strings.

    Everything filled in reaches the output, so past `limit` characters of it: TooLarge."""
    return _Interpolation(context, limit).walk(value)


class _Interpolation:
    def __init__(self, context: Mapping[str, Any], limit: int) -> None:
        self.context = context
        self.limit = self.left = limit
        self.sizes: dict[str, int] = {}  # written size of each whole value used

    def walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.string(value) if "{{" in value else value
        if isinstance(value, list):
            return [self.walk(item) for item in value]
        if isinstance(value, dict):
            return {key: self.walk(item) for key, item in value.items()}
        return value

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise TooLarge(self.limit)

    def string(self, value: str) -> Any:
        # apify-shared validates names in this phase too (so a typo inside a string is caught at create time).
        context = self.context
        exact = _VARIABLE_RE.fullmatch(value)
        if exact is not None:
            name = exact.group(1)
            check_variable(name)
            found = lookup(context, name)  # the raw value, type kept (undefined drops the key)
            if name not in self.sizes:
                self.sizes[name] = 0 if found is UNDEFINED else len(js_stringify(found, self.limit))
            self.spend(self.sizes[name])
            return found

        def substitute(match: re.Match[str]) -> str:
            check_variable(match.group(1))
            text = js_string(lookup(context, match.group(1)))
            self.spend(len(text))
            return text

        return _VARIABLE_RE.sub(substitute, value)
