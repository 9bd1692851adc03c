"""A month of demo usage for a demo company (F1–F4 in the local cloud): what the network's
usage feed would send for every subscription: data sessions at home and on a trip, calls to
mobiles, landlines, abroad and a premium-rate number, SMS and MMS, content-service
purchases. The same company and month always give the same records (seeded), so sending
them twice changes nothing (each record id is applied and rated once).

`python -m infra.local usage [--month YYYY-MM] [--company c-nordlys]` sends them to the
running cloud's UsageQueue; records of the current month stop at the present hour."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .seed import DEMO

OSLO = ZoneInfo("Europe/Oslo")
MIB = 1024**2
TRIPS = {"NORDIC": ("SE", 4), "US": ("US", 2)}  # zone → (country, sessions) for the travellers
MERCHANTS = (("Google Play", "app", 4900), ("Strex Parkering", "parking", 3500), ("Ruter", "tickets", 3900))


def _subscriptions(company_id: str) -> list[dict[str, Any]]:
    for company in DEMO["companies"]:
        if company["company"]["company_id"] == company_id:
            return list(company["subscriptions"])
    raise KeyError(f"no demo company {company_id}")


def records(company_id: str, month: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """The month's usage records of every subscription of the company (UsageRecord JSON),
    none later than `now`; a record's id does not depend on `now`."""
    now = now or datetime.now(OSLO)
    year, mon = (int(p) for p in month.split("-"))
    first = datetime(year, mon, 1, tzinfo=OSLO)
    days = ((first + timedelta(days=32)).replace(day=1) - first).days
    found = [r for n, sub in enumerate(_subscriptions(company_id)) for r in _month_of(n, sub, month, first, days)]
    return [r for r in found if datetime.fromisoformat(r["started_at"]) <= now]


def _month_of(n: int, sub: dict[str, Any], month: str, first: datetime, days: int) -> list[dict[str, Any]]:
    rnd = random.Random(f"{month}/{sub['subscription_id']}")
    out: list[dict[str, Any]] = []

    def at(day: int) -> datetime:
        return first.replace(day=day, hour=rnd.randint(7, 20), minute=rnd.randint(0, 59))

    def add(kind: str, started: datetime, **fields: Any) -> None:
        rid = f"demo-{month}-{sub['subscription_id']}-{len(out):03d}"
        out.append(
            {"record_id": rid, "msisdn": sub["msisdn"], "kind": kind, "started_at": started.isoformat(), **fields}
        )

    def number(prefix: str, digits: int) -> str:
        return f"{prefix}{rnd.randint(10 ** (digits - 1), 10**digits - 1)}"

    for day in range(1, days + 1):  # data at home, most days
        if rnd.random() < 0.8:
            add("data", at(day), quantity=rnd.randint(20, 400) * MIB, zone="NO", country="NO", duration_s=1800)
    if n % 8 == 3:  # a trip: Sweden and the US
        for zone, (country, sessions) in TRIPS.items():
            for _ in range(sessions):
                add("data", at(rnd.randint(10, 14)), quantity=rnd.randint(10, 120) * MIB, zone=zone, country=country)
        add("voice", at(12), quantity=rnd.randint(60, 600), zone="NORDIC", country="SE", destination="+4722123400")
    for _ in range(rnd.randint(15, 40)):  # calls at home: mobiles, landlines, Stockholm, a premium-rate number
        pick = rnd.random()
        destination = (
            number("+479", 7) if pick < 0.6 else number("+4722", 6) if pick < 0.9 else number("+468", 7)
            if pick < 0.97 else "+4782012345"
        )  # fmt: skip
        add("voice", at(rnd.randint(1, days)), quantity=rnd.randint(15, 900), zone="NO", country="NO",
            destination=destination)  # fmt: skip
    for _ in range(rnd.randint(5, 25)):
        add("sms", at(rnd.randint(1, days)), quantity=1, zone="NO", country="NO", destination=number("+479", 7))
    if rnd.random() < 0.3:
        add("mms", at(rnd.randint(1, days)), quantity=1, zone="NO", country="NO", destination=number("+479", 7))
    for _ in range(rnd.randint(0, 2)):
        merchant, category, amount = rnd.choice(MERCHANTS)
        add("content", at(rnd.randint(1, days)), quantity=1, amount_ore=amount, zone="NO", country="NO",
            merchant=merchant, category=category, destination=merchant)  # fmt: skip
    if n % 8 == 5:  # F7: concert tickets by mobile, 1 200 kr with MVA: beyond the 1 000 kr tax free a year
        add("content", at(rnd.randint(1, days)), quantity=1, amount_ore=96_000, zone="NO", country="NO",
            merchant="Billettservice", category="tickets", destination="Billettservice")  # fmt: skip
    return out
