"""The template language's parse phase (see the package docstring), with a JSON string lexer that
keeps it linear; the string phase of `shouldInterpolateStrings` is in `variables`."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Mapping
from typing import Any, Final

from .jsvalues import (
    MAX_SAFE_INTEGER,
    TemplateError,
    TooLarge,
    js_stringify,
    js_truthy,
)
from .variables import check_variable, lookup

_MAX_NESTED_REPLACEMENTS: Final = 1000


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
    return int(number) if abs(number) <= MAX_SAFE_INTEGER else number


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


class Substitution:
    """One run of apify-shared's ``_parse`` loop over a template.

    The current text is ``"".join(head) + src[base:]``: settled text (before the cursor, never changed
    again) is kept as pieces so that a substitution does not copy the whole text.
    """

    def __init__(self, template: str, context: Mapping[str, Any], limit: int) -> None:
        self.template = template
        self.context = context
        # Substituted values all reach the output: past `limit` characters of them, the rendered
        # text cannot fit in `limit` bytes, so the text may not grow beyond the template by more.
        self.limit = limit
        self.max_chars = len(template) + limit
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
            check_variable(name)
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
            value = lookup(self.context, name)
            replacement = js_stringify(value, self.limit) if js_truthy(value) else "null"
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
        if self.head_len + len(replacement) + len(src) - stop > self.max_chars:
            raise TooLarge(self.limit)
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
# Public API
# --------------------------------------------------------------------------------------------------
