"""B3: wait alerts raised, in the CallsTable: `<company>#ALERT` / `<call_id>#<queue_id>`.

`claim` is the conditional put that makes an alert happen at most once per call and queue,
however often the delayed check is delivered; `alerts(company_id)` is one Query for the
live view. Items expire (TTL) after ALERT_TTL_S.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

from skysentral.store.models import _Calls

ALERT_TTL_S = 2 * 24 * 3600


class WaitAlertItem(_Calls):
    """pk = <company>#ALERT, sk = <call_id>#<queue_id>"""

    call_id = UnicodeAttribute()
    queue_id = UnicodeAttribute()
    caller = UnicodeAttribute(default="")
    wait_s = NumberAttribute()
    threshold_s = NumberAttribute()
    at = UnicodeAttribute()  # when it was raised, UTC ISO 8601 with Z


def alert_key(company_id: str) -> str:
    return f"{company_id}#ALERT"


def claim(
    company_id: str, call_id: str, queue_id: str, caller: str, wait_s: int, threshold_s: int, at: str, now_s: int
) -> bool:
    """True when this is the first alert for the call in this queue (it is now stored)."""
    item = WaitAlertItem(
        alert_key(company_id),
        f"{call_id}#{queue_id}",
        call_id=call_id,
        queue_id=queue_id,
        caller=caller,
        wait_s=wait_s,
        threshold_s=threshold_s,
        at=at,
        expires_at=now_s + ALERT_TTL_S,
    )
    try:
        item.save(condition=WaitAlertItem.pk.does_not_exist())
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def alerts(company_id: str) -> list[WaitAlertItem]:
    """Every alert of the company not yet expired (the live view keeps those of calls still waiting)."""
    return list(WaitAlertItem.query(alert_key(company_id)))
