"""One reading of "the write's condition failed" for every repository: a conditional put,
update or delete (pynamodb's `cause_response_code`), or a transaction cancelled because one
of its conditions failed (`cancellation_reasons`); the message is the last resort (the local
emulator does not always fill the reasons)."""

from __future__ import annotations


def condition_failed(exc: Exception) -> bool:
    if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
        return True
    reasons = getattr(exc, "cancellation_reasons", None) or []
    if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
        return True
    return "ConditionalCheckFailed" in str(exc)
