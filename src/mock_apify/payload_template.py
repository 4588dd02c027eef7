"""Webhook payload and headers templates, behaving like Apify's ``WebhookPayloadTemplate``.

A template is JSON in which ``{{variable}}`` may stand where a JSON value is expected. apify-shared-js
(``packages/utilities/src/webhook_payload_template.ts``) resolves it in two phases, and this module follows
the same behaviour, quirks included, so a template accepted (or rejected) here is accepted (or rejected) by
the platform, and renders to the same bytes:

1. Parse phase. Try ``JSON.parse``; on failure take the next ``{{`` at or after a cursor and the first ``}}``
   after it. If an even number of ``"`` precede the ``{{`` (a ``"`` right after a backslash does not count),
   the variable is outside a string and is replaced by ``JSON.stringify(value)`` when the value is truthy,
   else by ``null``. The cursor then moves one past the ``{{`` and everything repeats.
2. String phase (only with ``shouldInterpolateStrings``). Strings that are exactly ``{{name}}`` become the raw
   value; other ``{{name}}`` inside strings become JavaScript's ``String(value)``. Keys are untouched.

Only the first segment of a dotted name is checked against :data:`ALLOWED_VARIABLES`.

The JS loop re-parses the whole text once per variable, which is quadratic. Here a parse is attempted only
when it could succeed: a real JSON string lexer, kept in step with the substitutions, proves a text invalid
whenever a ``{{`` remains outside every JSON string (valid JSON never has one there). The outcome is the same
as the JS loop's, but a large template with thousands of variables parses in linear time.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from json.encoder import encode_basestring as _encode_basestring
from typing import Any, Final

__all__ = [
    "ALLOWED_VARIABLES",
    "DEFAULT_PAYLOAD_TEMPLATE",
    "TemplateError",
    "parse_template",
    "render_headers",
    "render_payload",
    "sample_context",
    "validate_headers_template",
    "validate_payload_template",
]

# apify-shared's WEBHOOK_ALLOWED_PAYLOAD_VARIABLES plus `globals`, which the docs list and the live
# platform accepts (facts sheet §3.3 and §6 item 26).
ALLOWED_VARIABLES: Final[frozenset[str]] = frozenset(
    {"userId", "createdAt", "eventType", "eventData", "resource", "globals"}
)

# apify-shared's WEBHOOK_DEFAULT_PAYLOAD_TEMPLATE, byte for byte (no trailing newline).
DEFAULT_PAYLOAD_TEMPLATE: Final[str] = (
    "{\n"
    '    "userId": {{userId}},\n'
    '    "createdAt": {{createdAt}},\n'
    '    "eventType": {{eventType}},\n'
    '    "eventData": {{eventData}},\n'
    '    "resource": {{resource}}\n'
    "}"
)


class TemplateError(ValueError):
    """A template that cannot be used; the message says what is wrong and where.

    ``offset`` is the 0-based character offset in the original template when one is known.
    """

    def __init__(self, message: str, *, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


class _Undefined:
    """JavaScript's ``undefined``: a missing property, which JSON.stringify drops from objects."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"


_UNDEFINED: Final = _Undefined()

# Names the string phase recognises (apify-shared's regex); the parse phase takes anything between braces.
_VARIABLE_RE: Final = re.compile(r"\{\{([a-zA-Z0-9.]+)\}\}")
# A canonical array index ("01" is not one), as JS property lookup and key ordering treat it.
_INDEX_RE: Final = re.compile(r"0|[1-9][0-9]*")
_MAX_ARRAY_INDEX: Final = 2**32 - 2
_MAX_SAFE_INTEGER: Final = 2**53
# RFC 9110 `token`, the only characters allowed in a header name.
_HEADER_NAME_RE: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Control characters other than TAB can never appear in a header value (and CR/LF would inject headers).
_HEADER_VALUE_BAD_RE: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_SURROGATE_RE: Final = re.compile(r"[\ud800-\udfff]")
_MAX_NAME_IN_MESSAGE: Final = 200
_MAX_RENDERED_CHARS: Final = 64 * 1024 * 1024
_MAX_NESTED_REPLACEMENTS: Final = 1000


# --------------------------------------------------------------------------------------------------
# JavaScript value semantics
# --------------------------------------------------------------------------------------------------


def _js_truthy(value: Any) -> bool:
    """JS truthiness: only false, 0, NaN, "", null and undefined are falsy (empty objects are truthy)."""
    if value is None or value is _UNDEFINED or isinstance(value, bool):
        return value is True
    if isinstance(value, int | float):
        return value != 0 and value == value  # NaN != NaN
    if isinstance(value, str):
        return value != ""
    return True


def _js_number(value: float) -> str:
    """JS ``Number.prototype.toString``: shortest round-trip digits, no '.0', exponent only past 1e21."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"  # also -0
    if value < 0:
        return "-" + _js_number(-value)
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


def _js_quote(text: str) -> str:
    """JSON.stringify of a string: json's escaping, but lone surrogates are escaped (well-formed JSON)."""
    quoted = _encode_basestring(text)
    if text.isascii() or _SURROGATE_RE.search(quoted) is None:
        return quoted
    return _SURROGATE_RE.sub(lambda match: f"\\u{ord(match.group()):04x}", quoted)


def _js_key(key: Any) -> str:
    """Property keys are strings in JS; Python mappings may hold other scalars."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool | int | float):
        return _js_string(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _js_items(mapping: Mapping[Any, Any]) -> Iterable[tuple[str, Any]]:
    """Own-property order of a JS object: array-index keys ascending first, then the rest as inserted."""
    if type(mapping) is dict and all(type(key) is str and not "0" <= key[:1] <= "9" for key in mapping):
        return mapping.items()  # the common case: nothing to reorder
    items = [(_js_key(key), value) for key, value in mapping.items()]
    indexed = [
        (int(key), key, value)
        for key, value in items
        if len(key) <= 10 and _INDEX_RE.fullmatch(key) and int(key) <= _MAX_ARRAY_INDEX
    ]
    if not indexed:
        return items
    indexed.sort(key=lambda entry: entry[0])
    index_keys = {key for _, key, _ in indexed}
    return [(key, value) for _, key, value in indexed] + [
        (key, value) for key, value in items if key not in index_keys
    ]


def _write_json(value: Any, out: list[str]) -> None:
    """JSON.stringify into ``out``: compact, JS number format, undefined dropped from objects."""
    kind = type(value)
    if kind is str:
        out.append(_js_quote(value))
    elif value is None or value is _UNDEFINED:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(str(value))
    elif isinstance(value, Mapping):
        out.append("{")
        separator = ""
        for key, item in _js_items(value):
            if item is _UNDEFINED:
                continue
            out.append(separator)
            out.append(_js_quote(key))
            out.append(":")
            _write_json(item, out)
            separator = ","
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        separator = ""
        for item in value:
            out.append(separator)
            _write_json(item, out)
            separator = ","
        out.append("]")
    elif isinstance(value, str):
        out.append(_js_quote(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_js_number(value) if math.isfinite(value) else "null")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _js_stringify(value: Any) -> str:
    """The text JSON.stringify gives (a top-level undefined is written as null)."""
    out: list[str] = []
    _write_json(value, out)
    return "".join(out)


def _js_string(value: Any) -> str:
    """JS ``String(value)``, which is what a template literal does to an interpolated value."""
    if value is _UNDEFINED:
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
        return _js_number(value)
    if isinstance(value, Mapping):
        return "[object Object]"
    if isinstance(value, list | tuple):
        # Array.prototype.join: null and undefined elements become empty strings.
        return ",".join("" if item is None or item is _UNDEFINED else _js_string(item) for item in value)
    raise TypeError(f"cannot convert {type(value).__name__} to a string")


def _js_type(value: Any) -> str:
    """A JS-ish type name for error messages."""
    if value is None:
        return "null"
    if value is _UNDEFINED:
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


def _to_python(value: Any) -> Any:
    """A plain copy of a parsed value with undefined resolved as JSON.stringify would (dropped / null)."""
    if value is _UNDEFINED:
        return None
    if isinstance(value, Mapping):
        return {_js_key(key): _to_python(item) for key, item in value.items() if item is not _UNDEFINED}
    if isinstance(value, list | tuple):
        return [_to_python(item) for item in value]
    return value


# --------------------------------------------------------------------------------------------------
# Variables
# --------------------------------------------------------------------------------------------------


def _check_variable(name: str) -> None:
    """Only the first segment is checked: sub-properties may legitimately be missing (they render null)."""
    if name.split(".", 1)[0] not in ALLOWED_VARIABLES:
        shown = name if len(name) <= _MAX_NAME_IN_MESSAGE else name[:_MAX_NAME_IN_MESSAGE] + "..."
        raise TemplateError(f"Invalid payload template variable: {shown}")


def _lookup(context: Mapping[str, Any], name: str) -> Any:
    """apify-shared's property walk: a non-object (or falsy) step gives null, a missing key undefined."""
    first, *properties = name.split(".")
    value = context.get(first, _UNDEFINED)
    for prop in properties:
        if not _js_truthy(value) or not isinstance(value, Mapping | list | tuple):
            value = None
        elif isinstance(value, Mapping):
            value = value.get(prop, _UNDEFINED)
        elif prop == "length":
            value = len(value)
        elif len(prop) <= 10 and _INDEX_RE.fullmatch(prop) and int(prop) < len(value):
            value = value[int(prop)]
        else:
            value = _UNDEFINED
    return value


# --------------------------------------------------------------------------------------------------
# JSON.parse
# --------------------------------------------------------------------------------------------------


class _ConstantError(ValueError):
    """Raised for NaN/Infinity, which Python's json accepts and JSON.parse does not."""


def _reject_constant(name: str) -> Any:
    raise _ConstantError(f"Unexpected token {name}")


def _parse_int(text: str) -> int | float:
    """JS numbers are doubles: integers past 2**53 lose precision there, so they do here too."""
    if len(text) <= 15:
        return int(text)
    number = float(text)
    return int(number) if abs(number) <= _MAX_SAFE_INTEGER else number


def _json_parse(text: str) -> tuple[bool, Any, str, int | None]:
    """JSON.parse: (ok, value, error message, error position in ``text``)."""
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        return False, None, error.msg, error.pos
    except RecursionError:
        return False, None, "JSON is nested too deeply", None
    except ValueError as error:
        return False, None, str(error), None
    return True, value, "", None


# --------------------------------------------------------------------------------------------------
# Real JSON string lexer (used only to prove that a text cannot be valid JSON yet)
# --------------------------------------------------------------------------------------------------

_OUT: Final = 0
_IN: Final = 1
_IN_ESCAPE: Final = 2  # inside a string, right after an unpaired backslash
_OUT_TOKEN_RE: Final = re.compile(r'"|\{\{')
_STRING_BODY_RE: Final = re.compile(r'(?:[^"\\]++|\\.)*+', re.DOTALL)
# Text that can sit inside a JSON string without ending it, escaping or being rejected.
_PLAIN_RE: Final = re.compile(r'[^"\\\x00-\x1f]*')


def _lex(text: str, pos: int, state: int, end: int, *, stop_at_brace: bool) -> tuple[int, int]:
    """Follow JSON string boundaries through ``text[pos:end]``.

    Returns the state at ``end`` and the start of the first ``{{`` lying wholly in the range outside any
    string (-1 if none). With ``stop_at_brace`` it returns as soon as one is found.
    """
    first_brace = -1
    while pos < end:
        if state == _IN_ESCAPE:
            pos += 1
            state = _IN
        elif state == _IN:
            match = _STRING_BODY_RE.match(text, pos, end)
            pos = match.end() if match else pos
            if pos >= end:
                break
            state = _OUT if text[pos] == '"' else _IN_ESCAPE  # else: a backslash at end - 1
            pos += 1
        else:
            token = _OUT_TOKEN_RE.search(text, pos, end)
            if token is None:
                break
            if token.group() == '"':
                state = _IN
                pos = token.end()
            else:
                if first_brace == -1:
                    first_brace = token.start()
                    if stop_at_brace:
                        return state, first_brace
                pos = token.start() + 1
    return state, first_brace


# --------------------------------------------------------------------------------------------------
# Parse phase
# --------------------------------------------------------------------------------------------------

_UNKNOWN: Final = 0  # outcome of JSON.parse on the current text not known yet
_INVALID: Final = 1  # the current text is certainly not valid JSON (message not computed)
_FAILED: Final = 2  # JSON.parse failed; the message and original offset are stored


class _Substitution:
    """One run of apify-shared's ``_parse`` loop over a template.

    The current text is ``"".join(head) + src[base:]``: settled text (before the cursor, never changed
    again) is kept as pieces so that a substitution does not copy the whole text.
    """

    def __init__(self, template: str, context: Mapping[str, Any]) -> None:
        self.template = template
        self.context = context
        self.src = template
        self.base = 0
        self.head: list[str] = []
        self.head_len = 0
        self.cursor = 0
        # The JS inside-a-string heuristic: parity of the `"` not preceded by a backslash.
        self.quote_pos = 0
        self.quote_odd = False
        self.quote_prev = ""
        # The real lexer: its state at lex_pos, and whether a `{{` outside strings is stuck before it.
        self.lex_pos = 0
        self.lex_state = _OUT
        self.doomed = False
        self.lookahead: int | None = None  # first `{{` outside strings at >= lex_pos (-1: none)
        self.status = _UNKNOWN
        self.error_message = ""
        self.error_offset: int | None = None
        # Replaced ranges, [start, end) in the current text and [start, end) in the template.
        self.spans: list[list[int]] = []
        self.replacements: dict[str, str] = {}
        self.nested = 0

    def run(self) -> Any:
        while True:
            if self.status == _UNKNOWN:
                if self.doomed or self._lookahead() != -1:
                    self.status = _INVALID
                else:
                    ok, value = self._try_parse()
                    if ok:
                        return value
            src = self.src
            start = src.find("{{", self.cursor)
            close = src.find("}}", start) if start != -1 else -1
            if close == -1:
                return self._finish(start)
            self._advance_quotes(start)
            self._advance_lexer(start)
            if self.quote_odd:  # inside a string (per JS): left for the string phase
                self.cursor = start + 1
                continue
            name = src[start + 2 : close]
            _check_variable(name)
            self._replace(start, close + 2, self._replacement(name))

    # -- parsing --------------------------------------------------------------------------------

    def _text(self) -> str:
        return "".join(self.head) + self.src[self.base :]

    def _try_parse(self) -> tuple[bool, Any]:
        ok, value, message, position = _json_parse(self._text())
        if not ok:
            self.status = _FAILED
            self.error_message = message
            self.error_offset = None if position is None else self._original_offset(position)
        return ok, value

    def _finish(self, start: int) -> Any:
        """No complete variable is left: the text is JSON or the template is invalid."""
        src = self.src
        while start != -1:
            # A `{{` outside a string with no `}}` after it: JS would report a garbled variable name.
            self._advance_quotes(start)
            if not self.quote_odd:
                at = self._original_offset(self.head_len + start - self.base)
                raise TemplateError(
                    f"Unterminated template variable: '{{{{' at offset {at} has no closing '}}}}'",
                    offset=at,
                )
            start = src.find("{{", start + 1)
        if self.status != _FAILED:
            ok, value = self._try_parse()
            if ok:  # not expected: the text was proven invalid
                return value
        offset = self.error_offset
        if offset is None:
            raise TemplateError(f"Invalid JSON in template: {self.error_message}")
        line = self.template.count("\n", 0, offset) + 1
        column = offset - (self.template.rfind("\n", 0, offset) + 1) + 1
        raise TemplateError(
            f"Invalid JSON in template: {self.error_message} at offset {offset} "
            f"(line {line}, column {column})",
            offset=offset,
        )

    # -- tracking ------------------------------------------------------------------------------

    def _advance_quotes(self, target: int) -> None:
        src, pos = self.src, self.quote_pos
        if target <= pos:
            return
        count = src.count('"', pos, target) - src.count('\\"', pos, target)
        if self.quote_prev == "\\" and src[pos] == '"':
            count -= 1
        self.quote_odd ^= bool(count & 1)
        self.quote_prev = src[target - 1]
        self.quote_pos = target

    def _advance_lexer(self, target: int) -> None:
        if target <= self.lex_pos:
            return
        self.lex_state, brace = _lex(self.src, self.lex_pos, self.lex_state, target, stop_at_brace=False)
        if brace != -1:
            # Everything before the next variable stays as it is, so this `{{` can never be fixed.
            self.doomed = True
        self.lex_pos = target

    def _lookahead(self) -> int:
        if self.lookahead is None:
            _, self.lookahead = _lex(
                self.src, self.lex_pos, self.lex_state, len(self.src), stop_at_brace=True
            )
        return self.lookahead

    def _original_offset(self, position: int) -> int:
        """Map a position in the current text to the template (a replaced value maps to its variable)."""
        index = bisect_right(self.spans, position, key=lambda span: span[0]) - 1
        if index < 0:
            return position
        _, end, original_start, original_end = self.spans[index]
        return original_start if position < end else original_end + (position - end)

    # -- substitution --------------------------------------------------------------------------

    def _replacement(self, name: str) -> str:
        replacement = self.replacements.get(name)
        if replacement is None:
            value = _lookup(self.context, name)
            replacement = _js_stringify(value) if _js_truthy(value) else "null"
            self.replacements[name] = replacement
        return replacement

    def _freeze(self, piece: str) -> None:
        self.head.append(piece)
        self.head_len += len(piece)

    def _record_span(self, start: int, stop: int, length: int) -> None:
        delta = length - (stop - start)
        spans = self.spans
        if spans and start < spans[-1][1]:
            # A variable found inside an earlier replacement (values can hold "{{" that a quirk of the JS
            # quote counting sees as outside a string). A value holding its own variable would expand
            # forever, so chains of such expansions are cut off.
            self.nested += 1
            if self.nested > _MAX_NESTED_REPLACEMENTS:
                raise TemplateError("Template variables expand recursively (a value holds a variable)")
            last = spans[-1]
            if stop > last[1]:
                last[3] += stop - last[1]
                last[1] = stop
            last[1] += delta
        else:
            original = self._original_offset(start)
            spans.append([start, start + length, original, original + (stop - start)])

    def _replace(self, start: int, stop: int, replacement: str) -> None:
        """Replace ``src[start:stop]`` (a ``{{name}}``); quote counter and lexer are already at ``start``."""
        src = self.src
        self._record_span(
            self.head_len + start - self.base, self.head_len + stop - self.base, len(replacement)
        )
        # Whether the old and the new text are both plain characters inside one real JSON string.
        plain_in_string = (
            self.lex_state == _IN
            and _PLAIN_RE.fullmatch(replacement) is not None
            and _PLAIN_RE.fullmatch(src, start, stop) is not None
        )
        self._freeze(src[self.base : start])
        if self.head_len + len(replacement) + len(src) - stop > _MAX_RENDERED_CHARS:
            raise TemplateError(f"Template renders to more than {_MAX_RENDERED_CHARS} characters")
        if "{{" in replacement:
            # Rare: a value holds "{{". The JS cursor lands inside the replacement, so keep scanning it.
            self.src = replacement + src[stop:]
            self.base = self.quote_pos = self.lex_pos = 0
            self.cursor = 1
        else:
            # No variable can start inside the replacement (JSON text never ends with "{"): settle it.
            self._freeze(replacement)
            count = replacement.count('"') - replacement.count('\\"')
            if self.quote_prev == "\\" and replacement[0] == '"':
                count -= 1
            self.quote_odd ^= bool(count & 1)
            self.quote_prev = replacement[-1]
            if self.lex_state != _OUT:  # JSON text put outside strings leaves the lexer outside
                self.lex_state, _ = _lex(
                    replacement, 0, self.lex_state, len(replacement), stop_at_brace=False
                )
            self.base = self.cursor = self.quote_pos = self.lex_pos = stop
        self.lookahead = None
        # Plain characters swapped inside a real string cannot change whether (or where) parsing fails.
        if not (self.status == _FAILED and plain_in_string):
            self.status = _UNKNOWN


# --------------------------------------------------------------------------------------------------
# String phase
# --------------------------------------------------------------------------------------------------


def _interpolate(value: Any, context: Mapping[str, Any]) -> Any:
    """apify-shared's ``_interpolate``: walk values (never keys) and fill ``{{name}}`` inside strings."""
    if isinstance(value, str):
        return _interpolate_string(value, context) if "{{" in value else value
    if isinstance(value, list):
        return [_interpolate(item, context) for item in value]
    if isinstance(value, dict):
        return {key: _interpolate(item, context) for key, item in value.items()}
    return value


def _interpolate_string(value: str, context: Mapping[str, Any]) -> Any:
    # apify-shared validates names in this phase too (so a typo inside a string is caught at create time).
    exact = _VARIABLE_RE.fullmatch(value)
    if exact is not None:
        _check_variable(exact.group(1))
        return _lookup(context, exact.group(1))  # the raw value, type kept (undefined drops the key)

    def substitute(match: re.Match[str]) -> str:
        _check_variable(match.group(1))
        return _js_string(_lookup(context, match.group(1)))

    return _VARIABLE_RE.sub(substitute, value)


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def _parse_raw(template: str, context: Mapping[str, Any], interpolate_strings: bool) -> Any:
    """Both phases; the result may still hold undefined (see _to_python / _js_stringify)."""
    try:
        value = _Substitution(template, context).run()
        if interpolate_strings:
            value = _interpolate(value, context)
    except RecursionError:
        raise TemplateError("Invalid JSON in template: nested too deeply") from None
    return value


def _guarded(function: Callable[[Any], Any], value: Any) -> Any:
    """Deeply nested values exhaust Python's recursion before JS's; report that as a template error."""
    try:
        return function(value)
    except RecursionError:
        raise TemplateError("Invalid JSON in template: nested too deeply") from None


def parse_template(template: str, context: Mapping[str, Any], *, interpolate_strings: bool) -> Any:
    """Resolve a template against ``context`` exactly as apify-shared's ``WebhookPayloadTemplate.parse``.

    Returns plain Python values (a missing exact-match value drops its object key, or is None in arrays).
    Raises TemplateError for invalid JSON (with the offset where parsing failed) or a variable whose first
    segment is not allowed ('Invalid payload template variable: <name>').
    """
    return _guarded(_to_python, _parse_raw(template, context, interpolate_strings))


def render_payload(template: str | None, context: Mapping[str, Any], *, interpolate_strings: bool) -> bytes:
    """The request body to POST: compact UTF-8 JSON, as JSON.stringify would write it.

    A missing, empty or blank template means DEFAULT_PAYLOAD_TEMPLATE.
    """
    if template is None or not template.strip():
        template = DEFAULT_PAYLOAD_TEMPLATE
    raw = _parse_raw(template, context, interpolate_strings)
    text: str = _guarded(_js_stringify, raw)
    return text.encode("utf-8")


def _headers_from(value: Any) -> dict[str, str]:
    """Check a rendered headers template: an object of string (or null, left out) values."""
    if not isinstance(value, Mapping):
        raise TemplateError(f"Headers template must be a JSON object, not {_js_type(value)}")
    headers: dict[str, str] = {}
    for key, item in value.items():
        name = _js_key(key)
        if not _HEADER_NAME_RE.fullmatch(name):
            raise TemplateError(f"Invalid header name in headers template: {name!r}")
        if item is None or item is _UNDEFINED:
            continue
        if not isinstance(item, str):
            raise TemplateError(f"Header {name!r} must have a string value, not {_js_type(item)}")
        if _HEADER_VALUE_BAD_RE.search(item):
            raise TemplateError(f"Header {name!r} has a control character (such as a newline) in its value")
        headers[name] = item
    return headers


def render_headers(
    template: str | None, context: Mapping[str, Any], *, interpolate_strings: bool
) -> dict[str, str]:
    """The extra request headers from a headers template; a missing or blank template gives none.

    Null values (what falsy or missing variables render to) are left out; any other non-string value,
    a non-object result or an invalid header name raises TemplateError naming the problem.
    """
    if template is None or not template.strip():
        return {}
    return _headers_from(_parse_raw(template, context, interpolate_strings))


def sample_context() -> dict[str, Any]:
    """A realistic ACTOR.RUN.SUCCEEDED context, to try templates on when a webhook is created or updated."""
    user_id = "7sT5jcggjjA9fNcxF"
    actor_id = "HDSasDasz78YcAPEB"
    run_id = "HG7ML7M8z78YcAPEB"
    started_at = "2019-12-12T07:34:14.202Z"
    finished_at = "2019-12-12T07:36:13.541Z"
    resource: dict[str, Any] = {
        "id": run_id,
        "actId": actor_id,
        "userId": user_id,
        "actorTaskId": None,
        "startedAt": started_at,
        "finishedAt": finished_at,
        "status": "SUCCEEDED",
        "statusMessage": "Actor finished",
        "isStatusMessageTerminal": True,
        "meta": {"origin": "API", "userAgent": "ApifyClient/3.0.0 (linux; Python/3.11.9); isAtHome/False"},
        "stats": {
            "inputBodyLen": 240,
            "restartCount": 0,
            "resurrectCount": 0,
            "durationMillis": 119339,
            "runTimeSecs": 119.339,
            "computeUnits": 0.0331,
        },
        "options": {"build": "latest", "timeoutSecs": 300, "memoryMbytes": 1024, "diskMbytes": 2048},
        "buildId": "7sT5jcggjjA9fNcxG",
        "exitCode": 0,
        "defaultKeyValueStoreId": "eJNzqsbPiopwJcgGQ",
        "defaultDatasetId": "wmKPijuyDnPZAPRMk",
        "defaultRequestQueueId": "FL35cSF7jrxr3BY39",
        "buildNumber": "0.0.36",
        "containerUrl": "https://g8kd8kbc5ge8.runs.apify.net",
        "usageTotalUsd": 0.2654,
    }
    return {
        "userId": user_id,
        "createdAt": finished_at,
        "eventType": "ACTOR.RUN.SUCCEEDED",
        "eventData": {"actorId": actor_id, "actorRunId": run_id},
        "resource": resource,
        "globals": {"dateISO": finished_at, "dateUnix": 1576136173},
    }


def _modes(interpolate_strings: bool | None) -> tuple[bool, ...]:
    return (False, True) if interpolate_strings is None else (interpolate_strings,)


def validate_payload_template(template: str | None, *, interpolate_strings: bool | None = None) -> None:
    """Reject, at create/update time, a payload template that would fail when an event is dispatched.

    By default both interpolation modes are tried, so a bad variable inside a string is caught even if
    string interpolation is switched on later. None or blank means the default template, which is valid.
    """
    if template is None or not template.strip():
        return
    context = sample_context()
    for mode in _modes(interpolate_strings):
        _guarded(_js_stringify, _parse_raw(template, context, mode))


def validate_headers_template(template: str | None, *, interpolate_strings: bool | None = None) -> None:
    """Reject a headers template that does not render to an object of string/null values with valid names."""
    if template is None or not template.strip():
        return
    context = sample_context()
    for mode in _modes(interpolate_strings):
        _headers_from(_parse_raw(template, context, mode))
