"""Reading dataset items as Apify's item parameters say: which rows (`offset`, `limit`, `desc`)
and how each row becomes zero or more output items (`fields`, `outputFields`, `omit`, `unwind`,
`flatten`, `skipHidden`, `skipEmpty`, `clean`, `skipFailedPages`, `simplified`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidParameter
from .types import Record

# What Apify reports in X-Apify-Pagination-Limit when no limit was asked for.
NO_LIMIT = 999_999_999_999
# Names a list parameter (`fields`, `omit`, ...) may hold: as many as a table has columns.
MAX_NAMES = 2000
# Offsets and limits past any dataset (and past SQLite's 64-bit integers) mean "to the end".
_MAX_ROW = 2**62


def names(query: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """A comma-separated list parameter, without empty names; at most MAX_NAMES."""
    listed = tuple(name for name in str(query.get(key) or "").split(",") if name)
    if len(listed) > MAX_NAMES:
        raise InvalidParameter(f"Parameter '{key}' may list at most {MAX_NAMES} fields, got {len(listed)}.")
    return listed


@dataclass(frozen=True)
class Rows:
    """The stored rows a read covers: numbers `first`..`last`, newest first when `desc`."""

    first: int
    last: int
    desc: bool
    offset: int
    limit: int | None
    total: int

    @property
    def count(self) -> int:
        """Rows scanned: what X-Apify-Pagination-Count reports, before filters or `unwind`."""
        return max(0, self.last - self.first + 1)

    def headers(self) -> dict[str, str]:
        return {
            "X-Apify-Pagination-Offset": str(self.offset),
            "X-Apify-Pagination-Limit": str(NO_LIMIT if self.limit is None else self.limit),
            "X-Apify-Pagination-Count": str(self.count),
            "X-Apify-Pagination-Total": str(self.total),
            "X-Apify-Pagination-Desc": "true" if self.desc else "false",
        }


def rows(query: Mapping[str, Any], total: int) -> Rows:
    """`offset` rows skipped, then `limit` rows (none or 0: all), from the end when `desc`."""
    offset = min(query.get("offset", 0), _MAX_ROW)
    limit = min(query.get("limit") or 0, _MAX_ROW) or None
    size = max(0, min(total - offset, limit if limit is not None else total))
    desc = bool(query.get("desc"))
    if desc:
        return Rows(total - offset - size + 1, total - offset, True, offset, limit, total)
    return Rows(offset + 1, offset + size, False, offset, limit, total)


@dataclass(frozen=True)
class Shaping:
    """How one stored item becomes the items of the answer."""

    fields: tuple[str, ...] = ()
    output_fields: tuple[str, ...] = ()
    omit: frozenset[str] = frozenset()
    unwind: tuple[str, ...] = ()
    flatten: tuple[str, ...] = ()
    skip_hidden: bool = False
    skip_empty: bool = False
    skip_failed_pages: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> Shaping:
        if query.get("view"):
            raise InvalidParameter(
                f"Dataset view '{query['view']}' was not found: emulated datasets have no schema, so no views."
            )
        fields, unwind = names(query, "fields"), names(query, "unwind")
        if query.get("simplified"):
            fields, unwind = ("url", "pageFunctionResult", "errorInfo"), ("pageFunctionResult",)
        output = names(query, "outputFields")
        if output and len(output) != len(fields):
            raise InvalidParameter(
                f"Parameter 'outputFields' must name as many fields as 'fields' ({len(fields)}), got {len(output)}."
            )
        clean = bool(query.get("clean"))
        return cls(
            fields=fields,
            output_fields=output,
            omit=frozenset(names(query, "omit")),
            unwind=unwind,
            flatten=names(query, "flatten"),
            skip_hidden=clean or bool(query.get("skipHidden")),
            skip_empty=clean or bool(query.get("skipEmpty")),
            skip_failed_pages=bool(query.get("skipFailedPages")),
        )

    @property
    def plain(self) -> bool:
        """Whether items leave as stored."""
        return self == Shaping()

    def shape(self, item: Record) -> Iterator[Record]:
        if self.skip_failed_pages and "errorInfo" in item:
            return
        if self.fields:
            renamed = zip(self.fields, self.output_fields or self.fields, strict=True)
            item = {out: item[name] for name, out in renamed if name in item}
        if self.omit:
            item = {key: value for key, value in item.items() if key not in self.omit}
        for unwound in _unwound(item, self.unwind):
            for name in self.flatten:
                unwound = _flattened_field(unwound, name)
            if self.skip_hidden:
                unwound = {key: value for key, value in unwound.items() if not key.startswith("#")}
            if unwound or not self.skip_empty:
                yield unwound


def _unwound(item: Record, fields: tuple[str, ...]) -> list[Record]:
    """Each field in turn: an array gives one item per element merged into the item, an object
    is merged into it; anything else leaves the item as it is."""
    current = [item]
    for name in fields:
        following: list[Record] = []
        for one in current:
            value = one.get(name)
            rest = {key: v for key, v in one.items() if key != name}
            if isinstance(value, dict):
                following.append(rest | value)
            elif isinstance(value, list) and value:
                following += [
                    rest | element if isinstance(element, dict) else rest | {name: element}
                    for element in value
                ]
            else:
                following.append(one)
        current = following
    return current


def flat(value: Record | list[Any], prefix: str, separator: str, into: dict[str, Any]) -> None:
    """An object's or array's leaves under `prefix`-`separator`-key paths (an empty one has none).
    Items nest at most 100 levels (limits.MAX_JSON_DEPTH), so the recursion is bounded."""
    children = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in children:
        path = f"{prefix}{separator}{key}"
        if isinstance(child, dict | list):
            flat(child, path, separator, into)
        else:
            into[path] = child


def _flattened_field(item: Record, name: str) -> Record:
    """`flatten`: the field's nested object replaced, in place, by `name.key` fields."""
    value = item.get(name)
    if not isinstance(value, dict | list) or not value:
        return item
    out: Record = {}
    for key, child in item.items():
        if key == name:
            flat(child, name, ".", out)
        else:
            out[key] = child
    return out
