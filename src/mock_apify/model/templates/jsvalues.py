"""JavaScript value semantics the template language depends on: truthiness, `String(value)`,
`JSON.stringify` (key order, number format, lone surrogates) and `undefined`, so a rendered payload
has the bytes the platform's Node.js code would produce."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from json.encoder import encode_basestring as _encode_basestring
from typing import Any, Final


class TemplateError(ValueError):
    """A template that cannot be used; the message says what is wrong and where.

    ``offset`` is the 0-based character offset in the original template when one is known.
    """

    def __init__(self, message: str, *, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


class TooLarge(TemplateError):
    """The rendered text would pass the size limit; rendering stopped there."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the rendered text would be larger than {limit} bytes (the emulator's limit)")
        self.limit = limit


class _Budget:
    """What a bounded JSON.stringify may still write; `mark` is how much of `out` is counted."""

    __slots__ = ("left", "limit", "mark")

    def __init__(self, limit: int) -> None:
        self.limit = self.left = limit
        self.mark = 0

    def spend(self, out: list[str]) -> None:
        self.left -= sum(map(len, out[self.mark :]))
        self.mark = len(out)
        if self.left < 0:
            raise TooLarge(self.limit)


# Pieces written between two looks at the budget: bounds the overshoot, keeps the cost low.
_BUDGET_STRIDE: Final = 256


class _Undefined:
    """JavaScript's ``undefined``: a missing property, which JSON.stringify drops from objects."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Final = _Undefined()

# Names the string phase recognises (apify-shared's regex); the parse phase takes anything between braces.
# A canonical array index ("01" is not one), as JS property lookup and key ordering treat it.
INDEX_RE: Final = re.compile(r"0|[1-9][0-9]*")
_MAX_ARRAY_INDEX: Final = 2**32 - 2
MAX_SAFE_INTEGER: Final = 2**53
_SURROGATE_RE: Final = re.compile(r"[\ud800-\udfff]")


def js_truthy(value: Any) -> bool:
    """JS truthiness: only false, 0, NaN, "", null and undefined are falsy (empty objects are truthy)."""
    if value is None or value is UNDEFINED or isinstance(value, bool):
        return value is True
    if isinstance(value, int | float):
        return value != 0 and value == value  # NaN != NaN
    if isinstance(value, str):
        return value != ""
    return True


def js_number(value: float) -> str:
    """JS ``Number.prototype.toString``: shortest round-trip digits, no '.0', exponent only past 1e21."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"  # also -0
    if value < 0:
        return "-" + js_number(-value)
    mantissa, _, exponent = repr(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    significant = digits.lstrip("0")
    point -= len(digits) - len(significant)
    significant = significant.rstrip("0")
    k = len(significant)
    if k <= point <= 21:
        return significant + "0" * (point - k)
    if 0 < point <= 21:
        return significant[:point] + "." + significant[point:]
    if -6 < point <= 0:
        return "0." + "0" * -point + significant
    power = point - 1
    head = significant if k == 1 else significant[0] + "." + significant[1:]
    return f"{head}e{'+' if power >= 0 else '-'}{abs(power)}"


def js_quote(text: str) -> str:
    """JSON.stringify of a string: json's escaping, but lone surrogates are escaped (well-formed JSON)."""
    quoted = _encode_basestring(text)
    if text.isascii() or _SURROGATE_RE.search(quoted) is None:
        return quoted
    return _SURROGATE_RE.sub(lambda match: f"\\u{ord(match.group()):04x}", quoted)


def js_key(key: Any) -> str:
    """Property keys are strings in JS; Python mappings may hold other scalars."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool | int | float):
        return js_string(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def js_items(mapping: Mapping[Any, Any]) -> Iterable[tuple[str, Any]]:
    """Own-property order of a JS object: array-index keys ascending first, then the rest as inserted."""
    if type(mapping) is dict and all(type(key) is str and not "0" <= key[:1] <= "9" for key in mapping):
        return mapping.items()  # the common case: nothing to reorder
    items = [(js_key(key), value) for key, value in mapping.items()]
    indexed = [
        (int(key), key, value)
        for key, value in items
        if len(key) <= 10 and INDEX_RE.fullmatch(key) and int(key) <= _MAX_ARRAY_INDEX
    ]
    if not indexed:
        return items
    indexed.sort(key=lambda entry: entry[0])
    index_keys = {key for _, key, _ in indexed}
    return [(key, value) for _, key, value in indexed] + [
        (key, value) for key, value in items if key not in index_keys
    ]


def write_json(value: Any, out: list[str], budget: _Budget | None = None) -> None:
    """JSON.stringify into ``out``: compact, JS number format, undefined dropped from objects.
    With a budget, stops (TooLarge) soon after writing more than it allows."""
    kind = type(value)
    if kind is str:
        out.append(js_quote(value))
    elif value is None or value is UNDEFINED:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(str(value))
    elif isinstance(value, Mapping):
        members = ((js_quote(key) + ":", item) for key, item in js_items(value) if item is not UNDEFINED)
        _write_members(members, "{}", out, budget)
    elif isinstance(value, list | tuple):
        _write_members((("", item) for item in value), "[]", out, budget)
    elif isinstance(value, str):
        out.append(js_quote(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(js_number(value) if math.isfinite(value) else "null")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _write_members(
    members: Iterable[tuple[str, Any]], brackets: str, out: list[str], budget: _Budget | None
) -> None:
    """An object's or array's members, each after its prefix (`"key":` or nothing)."""
    out.append(brackets[0])
    separator = ""
    for prefix, item in members:
        out.append(separator + prefix)
        write_json(item, out, budget)
        separator = ","
        if budget is not None and len(out) - budget.mark > _BUDGET_STRIDE:
            budget.spend(out)
    out.append(brackets[1])


def js_stringify(value: Any, limit: int | None = None) -> str:
    """The text JSON.stringify gives (a top-level undefined is written as null); with `limit`,
    TooLarge as soon as it is known to pass `limit` characters, without writing much more."""
    out: list[str] = []
    budget = None if limit is None else _Budget(limit)
    write_json(value, out, budget)
    if budget is not None:
        budget.spend(out)
    return "".join(out)


def js_string(value: Any) -> str:
    """JS ``String(value)``, which is what a template literal does to an interpolated value."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return js_number(value)
    if isinstance(value, Mapping):
        return "[object Object]"
    if isinstance(value, list | tuple):
        # Array.prototype.join: null and undefined elements become empty strings.
        return ",".join("" if item is None or item is UNDEFINED else js_string(item) for item in value)
    raise TypeError(f"cannot convert {type(value).__name__} to a string")


def js_type(value: Any) -> str:
    """A JS-ish type name for error messages."""
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    return "object"


def to_python(value: Any) -> Any:
    """A plain copy of a parsed value with undefined resolved as JSON.stringify would (dropped / null)."""
    if value is UNDEFINED:
        return None
    if isinstance(value, Mapping):
        return {js_key(key): to_python(item) for key, item in value.items() if item is not UNDEFINED}
    if isinstance(value, list | tuple):
        return [to_python(item) for item in value]
    return value


# --------------------------------------------------------------------------------------------------
# Variables
# --------------------------------------------------------------------------------------------------
