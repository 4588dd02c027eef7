"""Apify's offset pagination: `limit` 0 or missing means the maximum (1000), larger is clamped,
and the envelope reports what was used."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .types import Page

MAX_LIMIT = 1000
# Offsets beyond any table (and beyond SQLite's 64-bit integers) all mean "past the end".
_MAX_OFFSET = 2**62


@dataclass(frozen=True)
class PageRequest:
    offset: int
    limit: int
    desc: bool

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> PageRequest:
        limit = query.get("limit") or MAX_LIMIT
        offset = min(query.get("offset", 0), _MAX_OFFSET)
        return cls(offset=offset, limit=min(limit, MAX_LIMIT), desc=query.get("desc", False))

    def envelope(self, page: Page, items: Any = None) -> dict[str, Any]:
        """Apify's list envelope; `items` replaces the page's own when they were shaped (a list,
        or pre-rendered bytes as an orjson.Fragment)."""
        return {
            "total": page.total,
            "offset": self.offset,
            "limit": self.limit,
            "desc": self.desc,
            "count": len(page.items),
            "items": page.items if items is None else items,
        }
