"""Screening rules for usage records (domain.usage_screening): plausibility limits
(defect 9; D1, D5), the D9 grace for late records (defect 10), and content fingerprints
for conflicting duplicates (defect 8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from skysentral.domain.usage_screening import (
    GIB,
    PlausibilityLimits,
    balance_deadline,
    fingerprint,
    implausibility,
    is_late_correction,
)

LIMITS = PlausibilityLimits(max_bytes_per_record=100 * GIB, max_bytes_per_second=1_250_000_000)


@pytest.mark.feature("D1")
def test_d1_data_up_to_100_gb_is_plausible_and_above_is_held():
    assert implausibility("data", 100 * GIB, None, LIMITS) is None
    assert "limit" in implausibility("data", 100 * GIB + 1, None, LIMITS)


@pytest.mark.feature("D1", "D5")
def test_d5_more_bytes_than_the_session_duration_allows_is_implausible():
    assert implausibility("data", 1_250_000_000 * 60, 60, LIMITS) is None
    assert "per second" in implausibility("data", 1_250_000_000 * 60 + 1, 60, LIMITS)
    assert implausibility("data", 1_250_000_000, 0, LIMITS) is None  # a zero-length session counts as 1 s


@pytest.mark.feature("D1")
def test_only_data_records_are_screened_for_size():
    assert implausibility("voice", 10**9, 1, LIMITS) is None


def test_limits_must_be_positive():
    with pytest.raises(ValueError):
        PlausibilityLimits(max_bytes_per_record=0)


@pytest.mark.feature("D9")
@pytest.mark.parametrize(
    "month, deadline",
    [
        ("2026-11", datetime(2026, 12, 3, 23, 0, tzinfo=UTC)),  # 00:00 on 4 December, Oslo (CET)
        ("2026-03", datetime(2026, 4, 3, 22, 0, tzinfo=UTC)),  # 00:00 on 4 April, Oslo (CEST)
        ("2026-12", datetime(2027, 1, 3, 23, 0, tzinfo=UTC)),  # over the new year
    ],
)
def test_d9_grace_ends_at_midnight_oslo_on_the_fourth_of_the_next_month(month, deadline):
    assert balance_deadline(month) == deadline
    assert not is_late_correction(month, deadline - timedelta(seconds=1))
    assert is_late_correction(month, deadline)


@pytest.mark.feature("D9")
def test_d9_a_record_of_the_current_month_is_never_late():
    assert not is_late_correction("2026-11", datetime(2026, 11, 30, 22, 0, tzinfo=UTC))


@pytest.mark.feature("D1")
def test_fingerprint_ignores_the_id_and_sees_any_other_difference():
    record = {"record_id": "r-1", "msisdn": "+4791200004", "kind": "data", "quantity": 10, "zone": "NO"}
    assert fingerprint(record) == fingerprint({**record, "record_id": "r-2"})
    assert fingerprint(record) == fingerprint({**record, "destination": None})
    assert fingerprint(record) != fingerprint({**record, "quantity": 11})
