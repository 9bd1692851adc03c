"""Amounts as they appear in texts: integer arithmetic only (bytes, øre, euro cents)."""

from __future__ import annotations

from skysentral.domain.catalogue import GIB, MIB


def gigabytes(n_bytes: int) -> str:
    """Whole GB when exact, else one decimal (1 GB = 1024**3 bytes)."""
    tenths = (n_bytes * 10 + GIB // 2) // GIB
    whole, frac = divmod(tenths, 10)
    return f"{whole}" if frac == 0 else f"{whole}.{frac}"


def package_size(n_bytes: int) -> str:
    """A package's size: "5 GB" or "600 MB"."""
    return f"{n_bytes // GIB} GB" if n_bytes % GIB == 0 else f"{n_bytes // MIB} MB"


def kroner(amount_ore: int) -> str:
    kr, ore = divmod(amount_ore, 100)
    return f"{kr},{ore:02d} kr"


def euros(eur_cents: int) -> str:
    whole, cents = divmod(eur_cents, 100)
    return f"{whole} EUR" if cents == 0 else f"{whole}.{cents:02d} EUR"
