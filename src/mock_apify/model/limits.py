"""Bounds on what clients send that Apify's documentation leaves open, chosen so that nothing a
client sends can crash the emulator (a 500) or stall it. Each is documented in docs/emulation.md, "Limits"."""

from __future__ import annotations

from typing import Any, Final

# Levels of arrays and objects, counted together, allowed in a JSON body (`{}` is one level,
# `{"a": []}` two). Apify keeps webhooks, Actors and tasks in MongoDB, which refuses documents
# nested more than 100 levels ("Nested Depth for BSON Documents",
# https://www.mongodb.com/docs/manual/reference/limits/). Far below what our JSON library
# writes (254) and reads (1024), so whatever is accepted can be stored, validated and served.
MAX_JSON_DEPTH: Final = 100


# Bytes of a rendered webhook payload (and of a rendered headers object). Apify documents no
# limit; its default payload for a run event is about 2 KB, and no template variable holds more
# than a run or build, so 1 MiB takes hundreds of copies of one. A template that renders past it
# on the sample event is refused with 400; a dispatch that does fails with the reason.
MAX_RENDERED_BYTES: Final = 1024 * 1024


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `value` (parsed JSON) nests more than `limit` levels of lists and dicts.

    Level by level, without recursion; it stops at the first level past the limit, and costs less
    than parsing the value did."""
    level = [value] if type(value) is list or type(value) is dict else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below: list[Any] = []
        for container in level:
            items = container.values() if type(container) is dict else container
            below += [item for item in items if type(item) is list or type(item) is dict]
        level = below
    return False


def depth_message(what: str) -> str:
    return f"{what} is nested too deeply: at most {MAX_JSON_DEPTH} levels of arrays and objects are allowed."
