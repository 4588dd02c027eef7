"""Fair shares of the delivery slots: no receiver host and no user may hold more than its share,
so a receiver that hangs (until the delivery timeout, 2 minutes by default) delays only its own
deliveries, never another receiver's or another user's."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit


def host_of(url: str) -> str:
    """The receiver a URL names: scheme, host and port (two ports of one machine are two receivers)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


class Slots:
    """Which dispatches are in flight, counted per user and per receiver host."""

    def __init__(self, total: int, per_user: int, per_host: int) -> None:
        self._total, self._per_user, self._per_host = total, per_user, per_host
        self._holders: dict[str, tuple[str, str]] = {}
        self._users: Counter[str] = Counter()
        self._hosts: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._holders)

    def __contains__(self, dispatch_id: object) -> bool:
        return dispatch_id in self._holders

    def full(self) -> bool:
        return len(self._holders) >= self._total

    def allows(self, user_id: str, host: str) -> bool:
        return self._users[user_id] < self._per_user and self._hosts[host] < self._per_host

    def take(self, dispatch_id: str, user_id: str, host: str) -> None:
        self._holders[dispatch_id] = (user_id, host)
        self._users[user_id] += 1
        self._hosts[host] += 1

    def give_back(self, dispatch_id: str) -> None:
        holder = self._holders.pop(dispatch_id, None)
        if holder is not None:
            _release(self._users, holder[0])
            _release(self._hosts, holder[1])


def _release(counts: Counter[str], key: str) -> None:
    counts[key] -= 1
    if not counts[key]:
        del counts[key]  # idle users and hosts cost nothing
