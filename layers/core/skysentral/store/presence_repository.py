"""Presence of a company's people (A7, A10, A13, C3) in the CallsTable.

Item pk=`<company>#PRESENCE`, sk=`<employee id>` (docs/pbx.md), attributes:
- `manual`: JSON {"state", "source": "app", "until": ISO|null, "note"} or null (set in the app);
- `calendar`: JSON list of today's calendar entries {"subject","start","end","show_as"}
  (ISO UTC times, Microsoft Graph's showAs), written by the calendar sync;
- `calendar_synced_at`: ISO UTC of the last sync;
- `softphone_uri`: the SIP user of a registered softphone (A13) or null.
Each writer updates only its own attributes (UpdateItem), so the app, the calendar sync and
the softphone registration never overwrite each other. Call control reads the item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from skysentral.store.models import _Calls


class PresenceItem(_Calls):
    manual = JSONAttribute(null=True)
    calendar = JSONAttribute(null=True)
    calendar_synced_at = UnicodeAttribute(null=True)
    softphone_uri = UnicodeAttribute(null=True)


@dataclass(frozen=True)
class Presence:
    employee_id: str
    manual: dict[str, Any] | None = None
    calendar: list[dict[str, Any]] = field(default_factory=list)
    calendar_synced_at: str | None = None
    softphone_uri: str | None = None


def _presence_of(item: PresenceItem) -> Presence:
    return Presence(
        item.sk, item.manual or None, list(item.calendar or []), item.calendar_synced_at, item.softphone_uri or None
    )


class PresenceRepository:
    def __init__(self, company_id: str):
        self.company_id = company_id
        self.pk = f"{company_id}#PRESENCE"

    def get(self, employee_id: str) -> Presence:
        try:
            return _presence_of(PresenceItem.get(self.pk, employee_id))
        except DoesNotExist:
            return Presence(employee_id)

    def all(self) -> dict[str, Presence]:
        return {item.sk: _presence_of(item) for item in PresenceItem.query(self.pk)}

    def _set(self, employee_id: str, **values: Any) -> None:
        item = PresenceItem(self.pk, employee_id)
        actions = [
            getattr(PresenceItem, name).set(value) if value is not None else getattr(PresenceItem, name).remove()
            for name, value in values.items()
        ]
        item.update(actions=actions)

    def set_manual(self, employee_id: str, manual: dict[str, Any] | None) -> None:
        self._set(employee_id, manual=manual)

    def set_calendar(self, employee_id: str, entries: list[dict[str, Any]], synced_at: str) -> None:
        self._set(employee_id, calendar=entries, calendar_synced_at=synced_at)

    def set_softphone(self, employee_id: str, sip_user: str | None) -> None:
        self._set(employee_id, softphone_uri=sip_user)

    # ---- issue 10 (B4): the directory search reads a page of people at once
    def many(self, employee_ids: list[str]) -> dict[str, Presence]:
        """The presence of these employees (batched, 100 a request); absent ones are defaults."""
        ids = list(dict.fromkeys(employee_ids))
        found = {e: Presence(e) for e in ids}
        for i in range(0, len(ids), 100):
            for item in PresenceItem.batch_get([(self.pk, e) for e in ids[i : i + 100]]):
                found[item.sk] = _presence_of(item)
        return found
