"""Inbound faults (`/_mock/faults`): the next N requests an operation gets (for one user, or
anyone's) answered with a 429, a 5xx, a delay or a dropped connection instead of their real
answer, so a client's retries can be proven; and the opt-in rate limiter (`/_mock/rate-limit`),
which enforces Apify's per-resource rate. Both live in memory and never touch `/_mock`.

The official clients retry 429 and 5xx answers and network errors with exponential back-off
(https://docs.apify.com/api/client/python/docs/concepts/retries); Apify's API answers 429
`rate-limit-exceeded` above 60 requests per second per resource (its reference, "Rate limiting",
https://docs.apify.com/api/v2)."""

from __future__ import annotations

import fnmatch
from typing import Any

from ..clock import Clock
from ..errors import RecordNotFound, SchemaValidation
from ..ids import new_id
from ..model.types import Record
from ..store import Storage

# Distinct (client, resource) counters kept within one second before they are all forgotten: the
# limiter's memory stays bounded even on a virtual clock that never moves.
_MAX_COUNTERS = 100_000


class FaultService:
    def __init__(self, storage: Storage, clock: Clock, operations: set[str], rate_limit: bool) -> None:
        self._storage = storage
        self._clock = clock
        self._operations = operations
        self._faults: list[Record] = []
        self._default_limited = rate_limit
        self._limit_everyone = rate_limit
        self._limited_users: set[str] = set()
        self._second = -1
        self._counts: dict[tuple[str, str], int] = {}

    # --- faults ------------------------------------------------------------------------------

    def add(self, body: dict[str, Any]) -> Record:
        """A fault for the next `times` matching requests (default 1); 400 when it could never
        match an API request, 404 for an unknown user."""
        operation_id, path = body.get("operationId"), body.get("path")
        if operation_id is None and path is None:
            raise SchemaValidation("A fault needs an operationId or a path pattern to match requests.")
        if operation_id is not None and operation_id not in self._operations:
            raise SchemaValidation(f"Unknown operationId {operation_id!r}: faults apply to the /v2 API only.")
        if path is not None and not path.startswith("/v2"):
            raise SchemaValidation(
                f"The path pattern {path!r} matches no /v2 path: faults never touch /_mock."
            )
        if body.get("userId") is not None and self._storage.users.by_id(body["userId"]) is None:
            raise RecordNotFound("User was not found")
        fault = {"id": new_id(), **body, "remaining": body.get("times", 1)}
        self._faults.append(fault)
        return dict(fault)

    def faults(self, user_id: str | None = None) -> list[Record]:
        return [dict(f) for f in self._faults if user_id is None or f.get("userId") == user_id]

    def remove(self, fault_id: str) -> None:
        kept = [fault for fault in self._faults if fault["id"] != fault_id]
        if len(kept) == len(self._faults):
            raise RecordNotFound("Fault was not found")
        self._faults = kept

    def forget(self, user_id: str | None = None) -> None:
        """Drop a user's faults and rate limit; with no user, every fault, and the limiter back to
        its start-up setting."""
        if user_id is None:
            self._faults, self._limited_users = [], set()
            self._limit_everyone = self._default_limited
            return
        self._faults = [fault for fault in self._faults if fault.get("userId") != user_id]
        self._limited_users.discard(user_id)

    def take(self, operation_id: str, method: str, path: str, user_id: str | None) -> Record | None:
        """The oldest fault matching a request, counted down (and dropped once used up)."""
        for fault in self._faults:
            if _matches(fault, operation_id, method, path, user_id):
                fault["remaining"] -= 1
                if fault["remaining"] <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # --- the rate limiter --------------------------------------------------------------------

    def set_rate_limit(self, enabled: bool, user_id: str | None = None) -> Record:
        """Enforce the rate for one user's requests, or (without a user) for everyone's."""
        if user_id is None:
            self._limit_everyone = enabled
        elif self._storage.users.by_id(user_id) is None:
            raise RecordNotFound("User was not found")
        elif enabled:
            self._limited_users.add(user_id)
        else:
            self._limited_users.discard(user_id)
        return self.rate_limit()

    def rate_limit(self) -> Record:
        return {"enabled": self._limit_everyone, "userIds": sorted(self._limited_users)}

    def remaining(self, client: str, resource: str, user_id: str | None, limit: int) -> int | None:
        """Count a request against its client's rate for a resource in the current second (of the
        emulator's clock): what is left of `limit` after it (negative: over), or None when the
        limiter is off for this request."""
        if not (self._limit_everyone or (user_id is not None and user_id in self._limited_users)):
            return None
        second = int(self._clock.time())
        if second != self._second or len(self._counts) >= _MAX_COUNTERS:
            self._second, self._counts = second, {}
        key = (client, resource)
        self._counts[key] = self._counts.get(key, 0) + 1
        return limit - self._counts[key]


def _matches(fault: Record, operation_id: str, method: str, path: str, user_id: str | None) -> bool:
    pattern: str | None = fault.get("path")
    return (
        fault.get("operationId") in (None, operation_id)
        and fault.get("method") in (None, method)
        and (pattern is None or fnmatch.fnmatchcase(path, pattern))
        and fault.get("userId") in (None, user_id)
    )
