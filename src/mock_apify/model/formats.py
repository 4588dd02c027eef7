"""Dataset items written in Apify's export formats, a chunk at a time so that a long read is
streamed: `json`, `jsonl`, `csv`, `html`, `xml`, `rss` here, `xlsx` in `xlsx.py`. Tables (`csv`,
`html`, `xlsx`) have one column per nested field, found by a first pass over the items; their
writers take rows (`row`), not items."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable
from html import escape
from typing import Any, Protocol

import orjson

from ..errors import InvalidParameter
from .items import flat
from .types import Record

# Apify's tables: "CSV, XLSX and HTML tables are limited to 2000 columns".
MAX_COLUMNS = 2000
BOM = b"\xef\xbb\xbf"

CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "jsonl": "application/jsonl; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TABLES = ("csv", "html", "xlsx")


class Writer(Protocol):
    def begin(self) -> bytes: ...
    def write(self, items: list[Record]) -> bytes: ...
    def end(self) -> bytes: ...


def row(item: Record) -> dict[str, Any]:
    """A table row: nested fields flattened to `a/b` and `a/0` columns, as Apify's tables name them."""
    cells: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict | list):
            flat(value, key, "/", cells)
        else:
            cells[key] = value
    return cells


class Columns:
    """The union of the rows' columns in first-seen order, refused past MAX_COLUMNS."""

    def __init__(self) -> None:
        self.names: dict[str, None] = {}

    def add(self, rows: list[dict[str, Any]]) -> None:
        for cells in rows:
            for name in cells:
                if name not in self.names:
                    if len(self.names) >= MAX_COLUMNS:
                        raise InvalidParameter(
                            f"The items have more than {MAX_COLUMNS} columns, the most a csv, html or xlsx"
                            " table holds: pick some with 'fields' or 'omit', or read them as json."
                        )
                    self.names[name] = None


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


class JsonWriter:
    """A JSON array, pretty-printed with two spaces like every other answer: each chunk is
    dumped as an array, whose brackets are cut so that the chunks join into one."""

    def __init__(self) -> None:
        self._first = True

    def begin(self) -> bytes:
        return b"["

    def write(self, items: list[Record]) -> bytes:
        if not items:
            return b""
        inner = orjson.dumps(items, option=orjson.OPT_INDENT_2)[1:-2]  # "\n  {…},\n  {…}"
        if self._first:
            self._first = False
            return inner
        return b"," + inner

    def end(self) -> bytes:
        return b"]" if self._first else b"\n]"


class JsonlWriter:
    def begin(self) -> bytes:
        return b""

    def write(self, items: list[Record]) -> bytes:
        return b"".join(orjson.dumps(item) + b"\n" for item in items)

    def end(self) -> bytes:
        return b""


class CsvWriter:
    def __init__(self, columns: list[str], delimiter: str, header: bool) -> None:
        self._columns = columns
        self._delimiter = delimiter
        self._header = header

    def _lines(self, rows: Iterable[list[str]]) -> bytes:
        out = io.StringIO()
        csv.writer(out, delimiter=self._delimiter, lineterminator="\n").writerows(rows)
        return out.getvalue().encode()

    def begin(self) -> bytes:
        return self._lines([self._columns]) if self._header and self._columns else b""

    def write(self, items: list[Record]) -> bytes:
        return self._lines([cell(r.get(c)) for c in self._columns] for r in items)

    def end(self) -> bytes:
        return b""


class HtmlWriter:
    def __init__(self, columns: list[str]) -> None:
        self._columns = columns

    def begin(self) -> bytes:
        head = "".join(f"<th>{escape(name)}</th>" for name in self._columns)
        return f'<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"></head>\n<body>\n<table>\n<tr>{head}</tr>\n'.encode()

    def write(self, items: list[Record]) -> bytes:
        lines = []
        for cells in items:
            lines.append(
                "<tr>" + "".join(f"<td>{escape(cell(cells.get(c)))}</td>" for c in self._columns) + "</tr>\n"
            )
        return "".join(lines).encode()

    def end(self) -> bytes:
        return b"</table>\n</body>\n</html>\n"


_NOT_NAME = re.compile(r"[^A-Za-z0-9_.\-]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@functools.lru_cache(maxsize=4096)
def tag(name: str) -> str:
    """A field name made a well-formed XML element name."""
    cleaned = _NOT_NAME.sub("_", name)
    return cleaned if cleaned[:1].isalpha() or cleaned[:1] == "_" else "_" + cleaned


def _text(value: Any) -> str:
    return escape(_CONTROL.sub("", cell(value)), quote=False)


def element(name: str, value: Any) -> str:
    """Apify's XML: an object's fields become child elements (`@` its attributes, `#` its text),
    an array repeats the element, null is an empty element. Depth is bounded by the body's."""
    if isinstance(value, list):
        return "".join(element(name, one) for one in value)
    name = tag(name)
    if value is None:
        return f"<{name}/>"
    if not isinstance(value, dict):
        return f"<{name}>{_text(value)}</{name}>"
    attributes = value.get("@")
    attrs = (
        "".join(f' {tag(k)}="{escape(_CONTROL.sub("", cell(v)))}"' for k, v in attributes.items())
        if isinstance(attributes, dict)
        else ""
    )
    children = "".join(element(k, v) for k, v in value.items() if k not in ("@", "#"))
    if not children and "#" in value:
        children = _text(value["#"])
    return f"<{name}{attrs}>{children}</{name}>" if children else f"<{name}{attrs}/>"


class XmlWriter:
    def __init__(self, root: str, row_name: str) -> None:
        self._root, self._row = root, row_name

    def begin(self) -> bytes:
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<{self._root}>\n'.encode()

    def write(self, items: list[Record]) -> bytes:
        return "".join(element(self._row, item) + "\n" for item in items).encode()

    def end(self) -> bytes:
        return f"</{self._root}>\n".encode()


class RssWriter:
    def __init__(self, title: str, description: str, link: str) -> None:
        self._channel = f"<title>{_text(title)}</title><link>{_text(link)}</link><description>{_text(description)}</description>"

    def begin(self) -> bytes:
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n{self._channel}\n'.encode()

    def write(self, items: list[Record]) -> bytes:
        return "".join(element("item", item) + "\n" for item in items).encode()

    def end(self) -> bytes:
        return b"</channel>\n</rss>\n"
