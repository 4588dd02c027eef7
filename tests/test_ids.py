"""Identifiers and timestamps: the shapes Apify emits."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime

from mock_apify.ids import ID_LENGTH, iso, new_id


def test_iso_matches_datetime_formatting_to_the_millisecond() -> None:
    """`iso` formats from a per-second cache; it must round exactly as datetime does."""
    rng = random.Random(5)
    moments = [0.0, 1.0005, 1.9999996, 1764221111.9999, 1764221111.123456]
    moments += [rng.uniform(0, 4e9) for _ in range(20_000)]
    for moment in moments:
        expected = datetime.fromtimestamp(moment, UTC)
        assert iso(moment) == expected.strftime("%Y-%m-%dT%H:%M:%S.") + f"{expected.microsecond // 1000:03d}Z"


def test_new_ids_are_apify_shaped_and_distinct() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(rf"[A-Za-z0-9]{{{ID_LENGTH}}}", value) for value in ids)
