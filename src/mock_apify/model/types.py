"""The value types every layer passes around."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A record as the API shows it (a webhook, Actor, task, run, build, dispatch): JSON-shaped data.
Record = dict[str, Any]


@dataclass(frozen=True)
class User:
    id: str
    username: str
    token: str


@dataclass(frozen=True)
class Page:
    """One page of a list: the total the list has, and the items of this page."""

    total: int
    items: list[Any]
