"""Apify-shaped identifiers and timestamps."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime

_ALPHABET = string.ascii_letters + string.digits
_rng = random.SystemRandom()

ID_LENGTH = 17


def new_id() -> str:
    """A 17-character alphanumeric ID, like apify-shared's cryptoRandomObjectId."""
    return "".join(_rng.choices(_ALPHABET, k=ID_LENGTH))


def new_token() -> str:
    return "apify_api_" + "".join(_rng.choices(_ALPHABET, k=36))


def iso(epoch_seconds: float) -> str:
    """ISO-8601 UTC with milliseconds and a Z, the only timestamp format Apify emits."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
