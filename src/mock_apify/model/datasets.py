"""Datasets as records: a new one, how one looks in answers, and what a push adds to its counters."""

from __future__ import annotations

from typing import Any

from ..ids import new_id
from .types import Record

# Apify measures fields only for datasets with a fields schema, which emulated ones lack.
STATISTICS: Record = {"fieldStatistics": None}

# The top-level fields a dataset lists (its `fields`), as many as Apify's tables have columns.
MAX_LISTED_FIELDS = 2000


def new_dataset(user_id: str, name: str | None, now: str) -> Record:
    return {
        "id": new_id(),
        "userId": user_id,
        "name": name,
        "title": None,
        "generalAccess": "FOLLOW_USER_SETTING",
        "actId": None,
        "actRunId": None,
        "createdAt": now,
        "modifiedAt": now,
        "accessedAt": now,
        "itemCount": 0,
        "cleanItemCount": 0,
        "fields": [],
    }


def shown(dataset: Record) -> Record:
    """The dataset as Apify's API shows it (`Dataset` of the document)."""
    return dataset | {
        "consoleUrl": f"https://console.apify.com/storage/datasets/{dataset['id']}",
        "stats": {"readCount": 0, "writeCount": dataset["itemCount"], "storageBytes": 0},
    }


def label(dataset: Record) -> str:
    """What names the dataset in file names and feeds: its name, else its ID."""
    return str(dataset["name"] or dataset["id"])


def is_clean(item: Any) -> bool:
    """Whether an item keeps a field once its hidden (`#`) fields are dropped."""
    return isinstance(item, dict) and any(key[:1] != "#" for key in item)


def counted(items: list[Record], fields: list[str]) -> tuple[int, list[str]]:
    """(how many of `items` are clean, `fields` with the items' new top-level fields added)."""
    seen = set(fields)
    listed = list(fields)
    for item in items:
        if len(listed) >= MAX_LISTED_FIELDS or seen.issuperset(item):
            continue
        for key in item:
            if len(listed) >= MAX_LISTED_FIELDS:
                break
            if key not in seen:
                seen.add(key)
                listed.append(key)
    return sum(map(is_clean, items)), listed
