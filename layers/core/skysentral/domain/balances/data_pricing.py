"""F3: the price of data that no package covers (roaming in zones a plan does not
include, D5; overage beyond all included data without Datakontroll), per record."""

from __future__ import annotations

from skysentral.domain.catalogue import MIB


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def roaming_data_ore(n_bytes: int, ore_per_mb: int) -> int:
    """Data in a zone the plan does not include, rounded up to whole øre per record."""
    return ceil_div(n_bytes * ore_per_mb, MIB)


def overage_data_ore(n_bytes: int, ore_per_mb: int) -> int:
    """Data beyond all included data: per started MB of the record."""
    return ceil_div(n_bytes, MIB) * ore_per_mb
