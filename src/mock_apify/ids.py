"""Apify-shaped identifiers and timestamps."""

from __future__ import annotations

import functools
import math
import os
import string
import time

_ALPHABET = string.ascii_letters + string.digits
# Maps each random byte to a character: one urandom call and one translate per ID. (The 8 first
# characters are a little likelier, as 256 is not a multiple of 62; IDs stay unguessable.)
_TO_ALPHABET = bytes(ord(_ALPHABET[b % len(_ALPHABET)]) for b in range(256))

ID_LENGTH = 17


def _random_text(length: int) -> str:
    return os.urandom(length).translate(_TO_ALPHABET).decode()


def new_id() -> str:
    """A 17-character alphanumeric ID, like apify-shared's cryptoRandomObjectId."""
    return _random_text(ID_LENGTH)


def new_token() -> str:
    return "apify_api_" + _random_text(36)


def iso(epoch_seconds: float) -> str:
    """ISO-8601 UTC with milliseconds and a Z, the only timestamp format Apify emits."""
    fraction, whole = math.modf(epoch_seconds)  # rounded as datetime.fromtimestamp rounds
    seconds, micros = divmod(int(whole) * 1_000_000 + round(fraction * 1_000_000), 1_000_000)
    return f"{_iso_second(seconds)}.{micros // 1000:03d}Z"


@functools.lru_cache(maxsize=8)
def _iso_second(seconds: int) -> str:
    """Formatting the date and time is most of the cost; timestamps made together share a second."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
