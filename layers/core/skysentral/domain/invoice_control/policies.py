"""F6: a company's invoice-control policies, and the private/work decision on one line.

The rules, in the order they are tried (the first that says private decides, else work):
1. `extra_packages_private`: a company-paid data package (kind `package`) is private;
2. `abroad_private`: a line with a roaming zone (not NO) is private;
3. `outside_hours_private`: a voice, SMS or MMS line that started outside the company's
   working hours is private. Working hours are Europe/Oslo wall-clock per weekday, so a
   daylight-saving change moves nothing; a Norwegian public holiday is outside all day.
   Data is not split by hour;
4. `content_private_above_ore`: a content purchase above this amount (øre, excl. MVA) is
   private (0: every purchase; None: none).
Fee lines (plan, add-ons) are the employer-paid service: always work. A line of a
subscription without an employee is work. A correction follows the line it corrects (the
caller passes the original's use).

A policy set is versioned: a version applies to lines that started on or after its
`valid_from` (an Oslo date) until the next one; a new version may not start before today,
so no classified line and no closed month is ever rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from skysentral.documents.payroll_entries import SYSTEMS
from skysentral.domain.calendar import OSLO
from skysentral.domain.errors import InvalidInput
from skysentral.domain.pbx.opening_hours import holiday_name
from skysentral.domain.pbx.routing_plan import WEEKDAYS

PRIVATE, WORK = "private", "work"
BENEFIT, DEDUCTION = "benefit", "deduction"
TREATMENTS = (BENEFIT, DEDUCTION)
HOURLY_KINDS = frozenset({"voice", "sms", "mms"})  # split by the hour; data and content are not
WAGE_TYPE_KEYS = ("benefit_flat", "benefit_content", "deduction")
PAYROLL_SYSTEMS = SYSTEMS  # the file layouts there are (documents.payroll_entries)
DEFAULT_DEADLINE_DAY = 5


class InvalidPolicy(InvalidInput):
    code = "invalid_policy"


@dataclass(frozen=True)
class Rules:
    abroad_private: bool = False
    outside_hours_private: bool = False
    extra_packages_private: bool = False
    content_private_above_ore: int | None = None


@dataclass(frozen=True)
class Policy:
    name: str
    treatment: str = BENEFIT
    covers_content: bool = True
    rules: Rules = field(default_factory=Rules)


@dataclass(frozen=True)
class PayrollSettings:
    system: str = "visma"
    client_number: str = "0001"  # Huldt & Lillevik's client number (file name)
    run_number: int = 1  # Visma's run number
    wage_types: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Decision:
    use: str
    rule: str


@dataclass(frozen=True)
class PolicySet:
    """One version of a company's invoice-control settings (docs/invoice-control.md)."""

    version: int
    valid_from: date
    policies: dict[str, Policy] = field(hash=False)
    default_policy: str
    working_hours: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict, hash=False)
    departments: dict[str, str] = field(default_factory=dict, hash=False)  # department id -> policy
    employees: dict[str, dict[str, str]] = field(default_factory=dict, hash=False)  # id -> {policy, payroll_number}
    report_deadline_day: int = DEFAULT_DEADLINE_DAY
    payroll: PayrollSettings = field(default_factory=PayrollSettings)
    changed_by: str = ""
    changed_at: str = ""

    # ---------------------------------------------------------------- which policy
    def policy_name_for(self, employee_id: str | None, department_chain: Iterable[str]) -> str:
        """The employee's own policy, else their department's or the nearest ancestor's
        (`department_chain`: the department first, then its parents), else the default."""
        own = self.employees.get(employee_id or "", {}).get("policy")
        if own:
            return own
        for dept in department_chain:
            if dept in self.departments:
                return self.departments[dept]
        return self.default_policy

    def policy_for(self, employee_id: str | None, department_chain: Iterable[str]) -> Policy:
        return self.policies[self.policy_name_for(employee_id, department_chain)]

    def payroll_number(self, employee_id: str) -> str | None:
        return self.employees.get(employee_id, {}).get("payroll_number") or None

    # ---------------------------------------------------------------- the rules
    def within_working_hours(self, at: datetime) -> bool:
        """Inside the company's working hours at `at` (aware): Oslo wall clock, a public
        holiday is outside all day."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise InvalidInput("A line's time must carry its time zone.")
        local = at.astimezone(OSLO)
        if holiday_name(local.date()):
            return False
        clock = local.strftime("%H:%M")
        return any(start <= clock < end for start, end in self.working_hours.get(WEEKDAYS[local.weekday()], ()))

    def decide(self, line: Any, department_chain: Iterable[str]) -> Decision:
        """F6: private or work for a rated line (domain.rating.RatedLine, or anything with its
        fields: line_type, kind, zone, started_at, amount_ore, employee_id)."""
        if not line.employee_id:
            return Decision(WORK, "no_employee")
        if line.line_type == "fee":
            return Decision(WORK, "subscription_fee")
        rules = self.policy_for(line.employee_id, department_chain).rules
        if line.kind == "package":
            return (
                Decision(PRIVATE, "extra_package") if rules.extra_packages_private else Decision(WORK, "default_work")
            )
        if rules.abroad_private and line.zone and line.zone != "NO":
            return Decision(PRIVATE, "abroad")
        outside_hours = rules.outside_hours_private and line.kind in HOURLY_KINDS and line.started_at
        if outside_hours and not self.within_working_hours(instant(line.started_at)):
            return Decision(PRIVATE, "outside_hours")
        limit = rules.content_private_above_ore
        if line.kind == "content" and limit is not None and line.amount_ore > limit:
            return Decision(PRIVATE, "content_above_limit")
        return Decision(WORK, "default_work")

    # ---------------------------------------------------------------- (de)serialising
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "valid_from": self.valid_from.isoformat(),
            "working_hours": {d: [list(h) for h in hours] for d, hours in self.working_hours.items()},
            "report_deadline_day": self.report_deadline_day,
            "payroll": {
                "system": self.payroll.system,
                "client_number": self.payroll.client_number,
                "run_number": self.payroll.run_number,
                "wage_types": dict(self.payroll.wage_types),
            },
            "policies": {
                name: {
                    "treatment": p.treatment,
                    "covers_content": p.covers_content,
                    "rules": {
                        "abroad_private": p.rules.abroad_private,
                        "outside_hours_private": p.rules.outside_hours_private,
                        "extra_packages_private": p.rules.extra_packages_private,
                        "content_private_above_ore": p.rules.content_private_above_ore,
                    },
                }
                for name, p in self.policies.items()
            },
            "default_policy": self.default_policy,
            "departments": dict(self.departments),
            "employees": {e: dict(v) for e, v in self.employees.items()},
            "changed_by": self.changed_by,
            "changed_at": self.changed_at,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PolicySet:
        """A version from its JSON (stored, or a request already shaped by the API's model);
        `check` tells what is wrong with the references."""
        payroll = d.get("payroll") or {}
        policies = {
            name: Policy(
                name=name,
                treatment=p.get("treatment", BENEFIT),
                covers_content=bool(p.get("covers_content", True)),
                rules=Rules(**(p.get("rules") or {})),
            )
            for name, p in (d.get("policies") or {}).items()
        }
        return cls(
            version=int(d.get("version", 0)),
            valid_from=date.fromisoformat(str(d["valid_from"])),
            policies=policies,
            default_policy=d.get("default_policy", ""),
            working_hours={
                day: tuple((h[0], h[1]) for h in hours or ()) for day, hours in (d.get("working_hours") or {}).items()
            },
            departments=dict(d.get("departments") or {}),
            employees={
                e: {k: str(v) for k, v in (x or {}).items() if v is not None}
                for e, x in (d.get("employees") or {}).items()
            },
            report_deadline_day=int(d.get("report_deadline_day", DEFAULT_DEADLINE_DAY)),
            payroll=PayrollSettings(
                system=payroll.get("system", "visma"),
                client_number=str(payroll.get("client_number", "0001")),
                run_number=int(payroll.get("run_number", 1)),
                wage_types=dict(payroll.get("wage_types") or {}),
            ),
            changed_by=d.get("changed_by", ""),
            changed_at=d.get("changed_at", ""),
        )

    def problems(self, department_ids: set[str], employee_ids: set[str], today: date) -> list[dict[str, str]]:
        """What is wrong with this version for a company with these departments and
        employees, as `{"path", "message"}` (all at once); empty when it may be saved."""
        found: list[dict[str, str]] = []

        def bad(path: str, message: str) -> None:
            found.append({"path": path, "message": message})

        if self.valid_from < today:
            bad(
                "valid_from",
                f"A policy change applies from today ({today.isoformat()}) or later, "
                "never to lines already classified.",
            )
        if not self.policies:
            bad("policies", "At least one policy is required.")
        if self.default_policy not in self.policies:
            bad("default_policy", f"Unknown policy {self.default_policy!r}.")
        for name, p in self.policies.items():
            if p.treatment not in TREATMENTS:
                bad(f"policies.{name}.treatment", f"Must be one of {', '.join(TREATMENTS)}.")
            limit = p.rules.content_private_above_ore
            if limit is not None and limit < 0:
                bad(f"policies.{name}.rules.content_private_above_ore", "Must be 0 or more (øre).")
        for dept, name in self.departments.items():
            if dept not in department_ids:
                bad(f"departments.{dept}", f"No department {dept} in the company.")
            if name not in self.policies:
                bad(f"departments.{dept}", f"Unknown policy {name!r}.")
        for emp, x in self.employees.items():
            if emp not in employee_ids:
                bad(f"employees.{emp}", f"No employee {emp} in the company.")
            if x.get("policy") and x["policy"] not in self.policies:
                bad(f"employees.{emp}.policy", f"Unknown policy {x['policy']!r}.")
            number = x.get("payroll_number")
            if number is not None and not (number.isdigit() and len(number) <= 6):
                bad(f"employees.{emp}.payroll_number", "A payroll number is 1–6 digits.")
        numbers = [x.get("payroll_number") for x in self.employees.values() if x.get("payroll_number")]
        if len(numbers) != len(set(numbers)):
            bad("employees", "Two employees have the same payroll number.")
        for day, hours in self.working_hours.items():
            if day not in WEEKDAYS:
                bad(f"working_hours.{day}", f"A weekday is one of {', '.join(WEEKDAYS)}.")
            for i, (start, end) in enumerate(hours):
                if not (_is_clock(start) and _is_clock(end) and start < end):
                    bad(f"working_hours.{day}.{i}", 'An interval is ["HH:MM", "HH:MM"], the start before the end.')
        if not 1 <= self.report_deadline_day <= 28:
            bad("report_deadline_day", "The reporting deadline is a day of the next month, 1–28.")
        if self.payroll.system not in PAYROLL_SYSTEMS:
            bad("payroll.system", f"Must be one of {', '.join(PAYROLL_SYSTEMS)}.")
        if not (self.payroll.client_number.isdigit() and len(self.payroll.client_number) == 4):
            bad("payroll.client_number", "The Huldt & Lillevik client number is 4 digits.")
        for key in WAGE_TYPE_KEYS:
            code = self.payroll.wage_types.get(key, "")
            if not (code.isalnum() and len(code) <= 4):
                bad(f"payroll.wage_types.{key}", "A wage type code of 1–4 letters or digits is required.")
        for key in self.payroll.wage_types:
            if key not in WAGE_TYPE_KEYS:
                bad(f"payroll.wage_types.{key}", f"Wage types are {', '.join(WAGE_TYPE_KEYS)}.")
        return found


def _is_clock(text: str) -> bool:
    return (
        len(text) == 5
        and text[2] == ":"
        and text[:2].isdigit()
        and text[3:].isdigit()
        and (text <= "24:00" and int(text[3:]) < 60)
    )


def instant(iso: str) -> datetime:
    """A line's stored ISO time as an aware datetime."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def in_force(versions: list[PolicySet], day: date) -> PolicySet | None:
    """The version that applies on `day` (the newest valid_from on or before it)."""
    candidates = [v for v in versions if v.valid_from <= day]
    return max(candidates, key=lambda v: (v.valid_from, v.version)) if candidates else None


def at_instant(versions: list[PolicySet], at: datetime) -> PolicySet | None:
    return in_force(versions, at.astimezone(OSLO).date())
