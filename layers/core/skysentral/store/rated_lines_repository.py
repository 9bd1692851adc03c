"""F3: the rated lines and their totals (RatedLinesTable).

Keys (docs/rating.md):
    <company>#<YYYY-MM>            LINE#<line id>                     a rated line
    AGG#<company>                  <C|D|E|S>#<id>#<YYYY-MM>#<kind>    totals (ADD counters)
    PLANMONTH#<plan>#<YYYY-MM>     <company>                          companies with lines of a plan
    TARIFF#<plan>                  V#<version:06d>                    a published tariff version

Writing lines (`save_lines`) is exactly once per line id: the lines not yet stored (one
batch read per 100) are written with a conditional put (attribute_not_exists) in one
transaction with the ADDs to their totals, up to 100 items per transaction. A line and its
totals are therefore stored together or not at all; a line that is there already is
skipped (and its totals are not added again). A transaction that fails because another
writer stored one of its lines in the meantime is retried line by line.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from skysentral.domain.errors import Conflict, InvalidInput
from skysentral.domain.rating import STANDARD_TARIFFS, RatedLine, Tariff
from skysentral.store.conditions import condition_failed
from skysentral.store.models import PlanMonthItem, RatedLineItem, RatingTotalItem, TariffItem

MAX_TRANSACTION_ITEMS = 100
SCOPES = {"company": "C", "department": "D", "employee": "E", "subscription": "S"}


def month_partition(company_id: str, month: str) -> str:
    return f"{company_id}#{month}"


def line_sk(line_id: str) -> str:
    return f"LINE#{line_id}"


def totals_partition(company_id: str) -> str:
    return f"AGG#{company_id}"


def totals_sk(scope: str, scope_id: str, month: str, kind: str) -> str:
    return f"{SCOPES[scope]}#{scope_id}#{month}#{kind}"


def _total_keys(line: RatedLine) -> list[str]:
    keys = [
        totals_sk("company", "-", line.month, line.kind),
        totals_sk("department", line.department_id, line.month, line.kind),
        totals_sk("subscription", line.subscription_id, line.month, line.kind),
    ]
    if line.employee_id:
        keys.append(totals_sk("employee", line.employee_id, line.month, line.kind))
    return keys


# ------------------------------------------------------------------ writes
@dataclass
class WriteCount:
    written: int = 0
    skipped: int = 0  # there already (a repeat)
    transactions: int = 0
    reads: int = 0


def save_lines(lines: list[RatedLine]) -> WriteCount:
    """Store lines not stored yet, each with its totals, exactly once (see the module)."""
    count = WriteCount()
    unique = list({(line.company_id, line.month, line.line_id): line for line in lines}.values())
    existing = _existing(unique, count)
    new = [
        line for line in unique if (month_partition(line.company_id, line.month), line_sk(line.line_id)) not in existing
    ]
    count.skipped = len(lines) - len(new)
    for chunk in _chunks(new):
        try:
            _transact(chunk)
            count.transactions += 1
            count.written += len(chunk)
        except TransactWriteError:
            for line in chunk:  # another writer stored one of them: line by line
                try:
                    _transact([line])
                    count.transactions += 1
                    count.written += 1
                except TransactWriteError as exc:
                    if not condition_failed(exc):
                        raise
                    count.skipped += 1
    return count


def _existing(lines: list[RatedLine], count: WriteCount) -> set[tuple[str, str]]:
    keys = [(month_partition(line.company_id, line.month), line_sk(line.line_id)) for line in lines]
    found = set()
    for i in range(0, len(keys), 100):
        count.reads += 1
        for item in RatedLineItem.batch_get(keys[i : i + 100], attributes_to_get=["pk", "sk"]):
            found.add((item.pk, item.sk))
    return found


def _chunks(lines: list[RatedLine]) -> Iterator[list[RatedLine]]:
    chunk: list[RatedLine] = []
    keys: set[tuple[str, str]] = set()
    for line in lines:
        mine = {(totals_partition(line.company_id), k) for k in _total_keys(line)}
        mine.add((f"PLANMONTH#{line.price_plan_id}#{line.month}", line.company_id))
        if chunk and len(chunk) + 1 + len(keys | mine) > MAX_TRANSACTION_ITEMS:
            yield chunk
            chunk, keys = [], set()
        chunk.append(line)
        keys |= mine
    if chunk:
        yield chunk


def _transact(lines: list[RatedLine]) -> None:
    totals: dict[tuple[str, str], list[int]] = {}
    plan_months: dict[tuple[str, str], int] = {}
    for line in lines:
        for sk in _total_keys(line):
            t = totals.setdefault((totals_partition(line.company_id), sk), [0, 0, 0, 0])
            t[0] += line.amount_ore
            t[1] += line.mva_ore
            t[2] += line.quantity
            t[3] += 1
        pm = (f"PLANMONTH#{line.price_plan_id}#{line.month}", line.company_id)
        plan_months[pm] = plan_months.get(pm, 0) + 1
    with TransactWrite(connection=RatedLineItem._get_connection().connection) as tx:
        for line in lines:
            item = RatedLineItem(
                month_partition(line.company_id, line.month),
                line_sk(line.line_id),
                subscription_id=line.subscription_id,
                line=line.to_dict(),
            )
            tx.save(item, condition=RatedLineItem.pk.does_not_exist())
        for (pk, sk), (amount, mva, qty, n) in totals.items():
            tx.update(
                RatingTotalItem(pk, sk),
                actions=[
                    RatingTotalItem.amount_ore.add(amount),
                    RatingTotalItem.mva_ore.add(mva),
                    RatingTotalItem.quantity.add(qty),
                    RatingTotalItem.lines.add(n),
                ],
            )
        for (pk, sk), n in plan_months.items():
            tx.update(PlanMonthItem(pk, sk), actions=[PlanMonthItem.lines.add(n)])


# ------------------------------------------------------------------ reads
@dataclass(frozen=True)
class LinePage:
    lines: list[RatedLine]
    next_cursor: str | None


def _encode(sk: str) -> str:
    return base64.urlsafe_b64encode(sk.encode()).decode()


def _decode(cursor: str) -> str:
    try:
        sk = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("The cursor is not one this list gave.", code="invalid_cursor") from None
    if not sk.startswith("LINE#"):
        raise InvalidInput("The cursor is not one this list gave.", code="invalid_cursor")
    return sk


def lines_of_month(company_id: str, month: str) -> Iterator[RatedLine]:
    """Every line of a company's month, in line-id order: one Query (paged by DynamoDB)."""
    for item in RatedLineItem.query(month_partition(company_id, month), RatedLineItem.sk.startswith("LINE#")):
        yield RatedLine.from_dict(item.line)


def page_of_month(
    company_id: str, month: str, limit: int, cursor: str | None = None, subscription_id: str | None = None
) -> LinePage:
    """A page of a company's month (optionally one subscription's lines), from the cursor on."""
    pk = month_partition(company_id, month)
    condition = RatedLineItem.sk.startswith("LINE#")
    filt = RatedLineItem.subscription_id == subscription_id if subscription_id else None
    after = {"pk": {"S": pk}, "sk": {"S": _decode(cursor)}} if cursor else None
    found: list[RatedLine] = []
    last = ""
    for item in RatedLineItem.query(pk, condition, filter_condition=filt, last_evaluated_key=after):
        if len(found) == limit:
            return LinePage(found, _encode(last))
        found.append(RatedLine.from_dict(item.line))
        last = item.sk
    return LinePage(found, None)


def totals(company_id: str, scope: str, scope_id: str, first_month: str, last_month: str) -> list[dict[str, Any]]:
    """F1: the totals of one scope (company "-", a department, employee or subscription)
    per month and kind, first..last month: one Query."""
    prefix = f"{SCOPES[scope]}#{scope_id}#"
    out = []
    for item in RatingTotalItem.query(
        totals_partition(company_id), RatingTotalItem.sk.between(f"{prefix}{first_month}", f"{prefix}{last_month}#~")
    ):
        _, _, month, kind = item.sk.split("#", 3)
        out.append(
            {
                "month": month,
                "kind": kind,
                "amount_ore": int(item.amount_ore),
                "mva_ore": int(item.mva_ore),
                "quantity": int(item.quantity),
                "lines": int(item.lines),
            }
        )
    return out


def companies_with_plan(price_plan_id: str, month: str) -> list[str]:
    return [i.sk for i in PlanMonthItem.query(f"PLANMONTH#{price_plan_id}#{month}")]


# ------------------------------------------------------------------ tariffs
def tariff_versions(price_plan_id: str) -> list[Tariff]:
    """Every version of a plan's tariff: the catalogue's version 1 and the published ones."""
    versions = [STANDARD_TARIFFS[price_plan_id]] if price_plan_id in STANDARD_TARIFFS else []
    versions += [Tariff.from_dict(i.tariff) for i in TariffItem.query(f"TARIFF#{price_plan_id}")]
    return versions


def publish_tariff(tariff: Tariff) -> Tariff:
    """Store a new version (its number must not exist yet: a version is never changed)."""
    if any(t.version == tariff.version for t in tariff_versions(tariff.price_plan_id)):
        raise Conflict(f"Tariff {tariff.price_plan_id} version {tariff.version} exists; a correction is a new version.")
    item = TariffItem(f"TARIFF#{tariff.price_plan_id}", f"V#{tariff.version:06d}", tariff=tariff.to_dict())
    try:
        item.save(condition=TariffItem.pk.does_not_exist())
    except PutError as exc:  # a concurrent publisher took the number
        if "ConditionalCheckFailed" in str(exc):
            raise Conflict(f"Tariff {tariff.price_plan_id} version {tariff.version} exists.") from None
        raise
    return tariff
