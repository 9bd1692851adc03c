"""A separately written, deliberately plain reference model of the balance rules
(D1, D2, D3, D4, D5, D6, D7, D9).

It keeps one mutable subscription as a ledger of buckets and follows PRODUCT.md step by
step, without the speed tricks of `skysentral.domain.balances` (no shared lists, no early
returns, alerts found by looking at the state after each record). The property tests
drive both with the same random events and require identical results.

Only the calendar helpers and the catalogue (prices, products) are shared.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from skysentral.domain.calendar import OSLO, month_of, month_start_utc, next_month, prev_month
from skysentral.domain.catalogue import MIB, ORE_PER_EUR, PRODUCTS, ROAMING_LIMIT_EUR_CENTS

GB6 = 6 * 1024**3
LIMIT_X100 = ROAMING_LIMIT_EUR_CENTS * ORE_PER_EUR  # compare with spent_ore * 100


def ceil_div(a: int, b: int) -> int:
    q, r = divmod(a, b)
    return q + (1 if r else 0)


# Defect 7: data used in an EU/EEA country (Norway included) is charged per started
# kilobyte, elsewhere per started megabyte; the price is then rounded up to whole øre.
EU_EEA_COUNTRIES_ZONES = ("NO", "NORDIC", "EU_EEA")


def data_cost(n_bytes: int, zone: str, ore_per_mb: int) -> int:
    if zone in EU_EEA_COUNTRIES_ZONES:
        started_kb = ceil_div(n_bytes, 1024)
        return ceil_div(started_kb * ore_per_mb, 1024)  # 1024 KB in a MB
    started_mb = ceil_div(n_bytes, MIB)
    return started_mb * ore_per_mb


class RefSubscription:
    def __init__(self, plan, addons, month: str):
        self.plan = plan
        self.addons = addons
        self.month = month
        self.package_size = plan.package_bytes
        self.package_left = plan.package_bytes
        self.rollover_left = 0
        self.rollover_granted = 0
        self.rollover_from = None
        self.extras = []  # dicts in purchase order: id, product, size, left, state, since, topup
        self.surfs = []  # dicts: id, product, zones, size, left, start, end
        self.roaming_ore = 0
        self.roaming_stop = False
        self.roaming_lifted = False
        self.data_stop = False
        self.sent = set()
        self.month_cost = 0

    # -- alerts ------------------------------------------------------------------------

    def _send(self, out, kind, suffix=None):
        key = f"{self.month}:{suffix or kind}"
        if key not in self.sent:
            self.sent.add(key)
            out["alerts"].append((key, kind))

    # -- month close (D9) ----------------------------------------------------------------

    def close_to(self, month: str) -> None:
        while self.month < month:
            closed = self.month
            if self.addons.rollover and self.plan.package_bytes >= GB6:
                saved = min(self.package_left, self.plan.package_bytes)
            else:
                saved = 0
            self.month = next_month(closed)
            self.package_size = self.plan.package_bytes
            self.package_left = self.plan.package_bytes
            self.rollover_left = saved
            self.rollover_granted = saved
            self.rollover_from = closed
            self.extras = [e for e in self.extras if e["state"] == "waiting"]
            self.surfs = [s for s in self.surfs if s["left"] > 0 and s["end"] > month_start_utc(closed)]
            self.roaming_ore = 0
            self.roaming_stop = False
            self.roaming_lifted = False
            self.data_stop = False
            self.sent = set()
            self.month_cost = 0

    # -- included data ---------------------------------------------------------------------

    def _running_left(self) -> int:
        return self.package_left + self.rollover_left + sum(e["left"] for e in self.extras if e["state"] == "running")

    def _settle(self, out, record_id, started_at) -> None:
        """Whenever nothing usable is left: next waiting extra, else top-up, else Datakontroll stop."""
        while self._running_left() == 0:
            waiting = [e for e in self.extras if e["state"] == "waiting" and e["left"] > 0]
            if waiting:
                first = waiting[0]
                first["state"] = "running"
                first["since"] = self.month
                self._send(out, "extra_activated", f"extra_activated:{first['id']}")
                continue
            if self.addons.topup_product:
                out["topups"] += 1
                prod = PRODUCTS[self.addons.topup_product]
                new_id = f"topup-{record_id}-{out['topups']}"
                self.extras.append(
                    {
                        "id": new_id,
                        "product": prod.code,
                        "size": prod.bytes,
                        "left": prod.bytes,
                        "state": "running",
                        "since": self.month,
                        "topup": True,
                        "bought": started_at,
                    }
                )
                out["cost"] += prod.price_ore
                self.data_stop = False
                self._send(out, "topup_activated", f"topup_activated:{new_id}")
                continue
            if self.addons.datakontroll:
                self.data_stop = True
                self._send(out, "data_blocked")
            return

    def _use_included_now(self, n, out, record_id, started_at, zone) -> None:
        rollover_used = 0
        while True:
            self._settle(out, record_id, started_at)
            if n == 0:
                break
            if self.package_left > 0:
                take = min(n, self.package_left)
                self.package_left -= take
                out["drawn"].append(("package", take))
            elif self.rollover_left > 0:
                take = min(n, self.rollover_left)
                self.rollover_left -= take
                rollover_used += take
                out["drawn"].append(("rollover", take))
            else:
                running = [e for e in self.extras if e["state"] == "running" and e["left"] > 0]
                if running:
                    e = running[0]
                    take = min(n, e["left"])
                    e["left"] -= take
                    out["drawn"].append((f"extra:{e['id']}", take))
                elif self.addons.datakontroll:
                    out["refused"] += n
                    break
                else:
                    out["drawn"].append(("overage", n))
                    out["cost"] += data_cost(n, zone, self.plan.overage_ore_per_mb)
                    self.data_stop = False
                    break
            n -= take
        # D7 thresholds, looked at after the record.
        used = self.package_size - self.package_left
        if used >= self.package_size:
            self._send(out, "package_100")
            self.sent.add(f"{self.month}:package_80")
        elif used * 100 >= 80 * self.package_size:
            self._send(out, "package_80")
        if rollover_used:
            self._send(out, "rollover_started")

    # -- roaming -------------------------------------------------------------------------

    def _use_surf(self, n, zone, when, out) -> int:
        valid = [s for s in self.surfs if zone in s["zones"] and s["start"] <= when < s["end"] and s["left"] > 0]
        valid.sort(key=lambda s: (s["end"], s["id"]))
        for s in valid:
            if n == 0:
                break
            take = min(n, s["left"])
            s["left"] -= take
            n -= take
            out["drawn"].append((f"surf:{s['id']}", take))
        return n

    # -- events -----------------------------------------------------------------------------

    def usage(self, record) -> dict:
        when = record.started_at
        rec_month = month_of(when)
        if rec_month > self.month:
            self.close_to(rec_month)
        if rec_month == self.month:
            age = 0
        elif rec_month == prev_month(self.month):
            age = 1
        else:
            age = 2
        out = {
            "month": rec_month,
            "late": age > 0,
            "refused": 0,
            "cost": 0,
            "drawn": [],
            "alerts": [],
            "topups": 0,
        }
        q = record.quantity
        zone = record.zone
        plan = self.plan
        if record.kind == "voice":
            out["cost"] = ceil_div(q, 60) * plan.voice_ore_per_min[zone]
        elif record.kind == "sms":
            out["cost"] = q * plan.sms_ore[zone]
        elif record.kind == "content":
            out["cost"] = record.amount_ore
        elif age == 2:
            if zone not in plan.included_zones:
                out["cost"] = data_cost(q, zone, plan.data_ore_per_mb[zone])
                out["drawn"].append(("priced", q))
        elif zone in plan.included_zones:
            rest = q
            if age == 1 and self.rollover_from == rec_month:
                take = min(rest, self.rollover_left)
                if take:
                    self.rollover_left -= take
                    rest -= take
                    out["drawn"].append(("rollover", take))
            self._use_included_now(rest, out, record.record_id, when, zone)
        else:
            rest = self._use_surf(q, zone, when, out)
            if rest:
                if age == 0 and self.addons.datakontroll and self.roaming_stop:
                    out["refused"] = rest
                else:
                    price = data_cost(rest, zone, plan.data_ore_per_mb[zone])
                    out["cost"] += price
                    out["drawn"].append(("priced", rest))
                    if age == 0:
                        self.roaming_ore += price
                        if self.addons.datakontroll:
                            if self.roaming_ore * 100 >= LIMIT_X100:
                                if not self.roaming_lifted:
                                    self.roaming_stop = True
                                self._send(out, "roaming_100")
                                self.sent.add(f"{self.month}:roaming_80")
                            elif self.roaming_ore * 100 * 100 >= 80 * LIMIT_X100:
                                self._send(out, "roaming_80")
        if age == 0:
            self.month_cost += out["cost"]
        out["counted"] = q - out["refused"]
        return out

    def buy(self, product_code, package_id, bought_at) -> list:
        if any(e["id"] == package_id for e in self.extras) or any(s["id"] == package_id for s in self.surfs):
            return []
        prod = PRODUCTS[product_code]
        out = {"alerts": []}
        bought_at = bought_at.astimezone(UTC)
        if prod.kind == "extra":
            anything_left = self.package_left + self.rollover_left + sum(e["left"] for e in self.extras)
            package = {
                "id": package_id,
                "product": prod.code,
                "size": prod.bytes,
                "left": prod.bytes,
                "state": "waiting" if anything_left else "running",
                "since": None if anything_left else self.month,
                "topup": False,
                "bought": bought_at,
            }
            if not anything_left:
                self.data_stop = False
                self._send(out, "extra_activated", f"extra_activated:{package_id}")
            self.extras.append(package)
            # D3: packages waiting in line are used in the order they were bought, even when
            # one bought earlier is paid for (and so added) later.
            waiting = sorted((e for e in self.extras if e["state"] == "waiting"), key=lambda e: e["bought"])
            self.extras = [e for e in self.extras if e["state"] != "waiting"] + waiting
        else:
            local = bought_at.astimezone(OSLO)
            end = (local + timedelta(days=30)).astimezone(UTC)
            self.surfs.append(
                {
                    "id": package_id,
                    "product": prod.code,
                    "zones": prod.zones,
                    "size": prod.bytes,
                    "left": prod.bytes,
                    "start": bought_at,
                    "end": end,
                }
            )
        return out["alerts"]

    def lift(self) -> None:
        self.roaming_stop = False
        self.roaming_lifted = True

    # -- comparison ---------------------------------------------------------------------------

    def view(self) -> dict:
        return {
            "month": self.month,
            "package_bytes": self.package_size,
            "package_used_bytes": self.package_size - self.package_left,
            "rollover_bytes": self.rollover_left,
            "rollover_granted_bytes": self.rollover_granted,
            "rollover_from_month": self.rollover_from,
            "extras": [
                (
                    e["id"],
                    e["product"],
                    e["size"],
                    e["left"],
                    "active" if e["state"] == "running" else "queued",
                    e["since"],
                    e["topup"],
                )
                for e in self.extras
            ],
            "surf": [(s["id"], s["left"], s["start"], s["end"]) for s in self.surfs],
            "roaming_spent_ore": self.roaming_ore,
            "roaming_blocked": self.roaming_stop,
            "roaming_block_lifted": self.roaming_lifted,
            "data_blocked": self.data_stop,
            "alerts_sent": set(self.sent),
            "costs_ore": self.month_cost,
        }


def view_of(balance) -> dict:
    """The same view of a domain Balance."""
    return {
        "month": balance.month,
        "package_bytes": balance.package_bytes,
        "package_used_bytes": balance.package_used_bytes,
        "rollover_bytes": balance.rollover_bytes,
        "rollover_granted_bytes": balance.rollover_granted_bytes,
        "rollover_from_month": balance.rollover_from_month,
        "extras": [
            (e.id, e.product, e.bytes, e.remaining_bytes, e.status, e.activated_month, e.is_topup)
            for e in balance.extras
        ],
        "surf": [(s.id, s.remaining_bytes, s.activated_at, s.expires_at) for s in balance.surf],
        "roaming_spent_ore": balance.roaming_spent_ore,
        "roaming_blocked": balance.roaming_blocked,
        "roaming_block_lifted": balance.roaming_block_lifted,
        "data_blocked": balance.data_blocked,
        "alerts_sent": set(balance.alerts_sent),
        "costs_ore": balance.costs_ore,
    }
