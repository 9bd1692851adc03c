"""F3: the price of data no package covers, per usage record (defect 7's rule).

Two kinds of data are priced: roaming in a zone the plan does not include (D5, D6: after
any surf package), and overage beyond all included data without Datakontroll (D1, D5).
Both follow one rule, by the zone the data was used in:

- EU/EEA zones (`NO`, `NORDIC`, `EU_EEA`; Norway is in the EEA): per started KB
  (1024 bytes) of the record. The EU roaming regulation has regulated data roaming charged
  per kilobyte, and the operator's customers should not pay for a MB they did not use.
- Other zones (`CH`, `US`, `WORLD`, `REST`): per started MB (1024**2 bytes) of the record,
  as a data session is an invoice line (F3).

The price of the started units is then rounded up to whole øre:
ceil(started units * unit bytes * ore_per_mb / MB). Example at 2,00 kr per MB in EU_EEA:
1 byte is one started KB, 200/1024 øre, so 1 øre; in the US at 10,00 kr per MB, 1 byte is
one started MB, 1000 øre.
"""

from __future__ import annotations

from skysentral.domain.catalogue import MIB

KIB = 1024
PER_KB_ZONES = frozenset({"NO", "NORDIC", "EU_EEA"})


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def billing_unit_bytes(zone: str) -> int:
    """The unit data is charged in when used in `zone`: a started KB in EU/EEA, else a started MB."""
    return KIB if zone in PER_KB_ZONES else MIB


def data_price_ore(n_bytes: int, zone: str, ore_per_mb: int) -> int:
    """The price of one record's `n_bytes` used in `zone` at `ore_per_mb`, in whole øre."""
    unit = billing_unit_bytes(zone)
    return ceil_div(ceil_div(n_bytes, unit) * unit * ore_per_mb, MIB)
