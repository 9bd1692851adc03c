"""A company's routing plan (A1-A7) in the DirectoryTable, and the dialled-number registry
(`NUMBER#<e164>`/`NUMBER` in the CallsTable) that tells call control which company a
dialled number belongs to.

Storage (read by call control through its own reader, store.call_repository):
- DirectoryTable pk=<company id>, sk=`ROUTING`: `plan` (JSON, RoutingPlan.to_dict()),
  `version` (number; 1 after the first save), `updated_at`, `updated_by`.
- CallsTable pk=`NUMBER#<e164>`, sk=`NUMBER` (store.call_repository.NumberItem):
  `company_id`, `destination` (null for the main number: the plan's time-based entry; for a
  direct number the plan's destination).
- DirectoryTable sk=`CALENDAR_SYNC`: `enabled` (A7 calendar sync switched on).

A save writes the plan (conditional on the version read), the numbers added or changed
(conditional: free or already this company's), the numbers removed (conditional: this
company's) and the audit entry (E6) in ONE transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from skysentral.domain.errors import Conflict
from skysentral.domain.identity import Identity
from skysentral.store.call_repository import NumberItem
from skysentral.store.directory_repository import AuditEntry, Directory
from skysentral.store.models import CalendarSyncItem, RoutingPlanItem

ENTRY = None  # the main number: no fixed destination, the plan's time-based entry (A6)


@dataclass(frozen=True)
class StoredPlan:
    plan: dict[str, Any]
    version: int
    updated_at: str | None = None
    updated_by: str | None = None


class StaleVersion(Conflict):
    code = "stale_version"


class NumberTaken(Conflict):
    code = "number_taken"


def numbers_of(plan: dict[str, Any] | None) -> dict[str, dict[str, str] | None]:
    """The numbers a plan (JSON form) answers: the main number and the direct numbers (A1)."""
    if not plan:
        return {}
    found: dict[str, dict[str, str] | None] = {}
    if plan.get("main_number"):
        found[plan["main_number"]] = ENTRY
    for number, destination in (plan.get("direct_numbers") or {}).items():
        found[number] = dict(destination)
    return found


class RoutingRepository:
    def __init__(self, directory: Directory):
        self.directory = directory
        self.company_id = directory.company_id

    def get(self) -> StoredPlan | None:
        try:
            item = RoutingPlanItem.get(self.company_id, "ROUTING")
        except DoesNotExist:
            return None
        return StoredPlan(item.plan, int(item.version), item.updated_at, item.updated_by)

    def number_owner(self, e164: str) -> str | None:
        try:
            return NumberItem.get(f"NUMBER#{e164}", "NUMBER").company_id
        except DoesNotExist:
            return None

    def save(
        self,
        identity: Identity,
        plan: dict[str, Any],
        expected_version: int,
        before: StoredPlan | None,
        now: datetime,
    ) -> int:
        """Saves `plan` as version expected_version + 1 if the stored version is still
        `expected_version` (0: none saved yet). Raises StaleVersion or NumberTaken."""
        new_version = expected_version + 1
        stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        item = RoutingPlanItem(
            self.company_id, "ROUTING", plan=plan, version=new_version, updated_at=stamp, updated_by=identity.user_id
        )
        old_numbers = numbers_of(before.plan if before else None)
        new_numbers = numbers_of(plan)
        audit = AuditEntry(
            "routing.changed",
            "ROUTING",
            {"version": before.version, "plan": before.plan} if before else None,
            {"version": new_version, "plan": plan},
        )
        try:
            with TransactWrite(connection=Connection()) as tx:
                if expected_version == 0:
                    tx.save(item, condition=RoutingPlanItem.sk.does_not_exist())
                else:
                    tx.save(item, condition=RoutingPlanItem.version == expected_version)
                for number, destination in new_numbers.items():
                    if number in old_numbers and old_numbers[number] == destination:
                        continue
                    registered = NumberItem(
                        f"NUMBER#{number}", "NUMBER", company_id=self.company_id, destination=destination
                    )
                    tx.save(
                        registered,
                        condition=NumberItem.pk.does_not_exist() | (NumberItem.company_id == self.company_id),
                    )
                for number in old_numbers.keys() - new_numbers.keys():
                    tx.delete(
                        NumberItem(f"NUMBER#{number}", "NUMBER"),
                        condition=NumberItem.company_id == self.company_id,
                    )
                tx.save(self.directory._audit_item(identity, audit, now))
        except TransactWriteError:
            self._explain_failure(expected_version, new_numbers)
            raise Conflict("The routing plan was changed at the same time; reload and try again.") from None
        return new_version

    def _explain_failure(self, expected_version: int, numbers: dict[str, dict[str, str] | None]) -> None:
        current = self.get()
        if (current.version if current else 0) != expected_version:
            raise StaleVersion(
                f"The routing plan was changed by someone else (version {current.version if current else 0}, "
                f"you sent {expected_version}); reload it and apply your change again."
            )
        for number in numbers:
            owner = self.number_owner(number)
            if owner is not None and owner != self.company_id:
                raise NumberTaken(f"The number {number} belongs to another company.")

    # ------------------------------------------------------------ A7 calendar sync switch
    def calendar_sync(self) -> bool:
        try:
            return bool(CalendarSyncItem.get(self.company_id, "CALENDAR_SYNC").enabled)
        except DoesNotExist:
            return False


def companies_with_calendar_sync() -> Iterator[str]:
    """System job (calendar sync): the companies that turned calendar sync on."""
    for item in CalendarSyncItem.scan(CalendarSyncItem.sk == "CALENDAR_SYNC"):
        if item.enabled:
            yield item.pk
