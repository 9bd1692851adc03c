"""Company directory rules (E1, E5, A1, A10, C1): departments as a tree, who administers
what, phone numbers in E.164. Plain values in, plain values or DomainErrors out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from skysentral.domain.balances import AddOns  # E3 add-ons are the balance rules' (D2, D4, D5)
from skysentral.domain.errors import Conflict, DepartmentNotEmpty, Forbidden, InvalidInput, InvalidPhoneNumber, NotFound
from skysentral.domain.identity import Identity

LANGUAGES = ("nb", "en")
DISPLAY_NUMBERS = ("personal", "main")  # A10: number shown when calling out


@dataclass(frozen=True)
class Company:
    company_id: str
    name: str
    org_number: str
    main_number: str


@dataclass(frozen=True)
class Department:
    department_id: str
    name: str
    parent_id: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Employee:
    employee_id: str
    name: str
    email: str
    role: str
    department_id: str
    language: str = "nb"
    display_number: str = "personal"
    extension: str | None = None
    mobile: str | None = None
    admin_departments: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["admin_departments"] = list(self.admin_departments)
        return d


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    msisdn: str
    department_id: str
    plan_code: str
    employee_id: str | None = None
    kind: str = "mobile"
    status: str = "active"
    add_ons: AddOns = field(default_factory=AddOns)
    # ---- issue 11 (E3, E4, F5): settings beyond the plan and the balance add-ons
    barring: dict | None = None  # A9 {"categories": [...], "chosen_prefixes": [...]} (add_on_catalogue)
    content_limit_ore: int | None = None  # E3 content-service spending limit per month; None = none
    twin_sim_iccid: str | None = None  # E3 twin SIM: a second SIM on the same number
    next_plan: dict | None = None  # E3 {"plan_code", "from_month"}: a scheduled plan change (plan_change)
    listing: dict | None = None  # E4 {"mode", "name", "address", "version"} (number_listing)
    listing_acked_version: int = 0  # E4 the newest version the directory services acknowledged
    device: dict | None = None  # F5 the device last seen on the network (equipment.Device)

    def to_dict(self) -> dict:
        d = asdict(self)
        return d


def to_e164(number: str, region: str = "NO") -> str:
    """A1/conventions: E.164 (`+4791234567`); national input (`912 34 567`) is accepted."""
    # Loaded on the first number parsed: most functions import this module but never parse
    # a number, and phonenumbers costs ~20 ms of every such cold start.
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"{number!r} is not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(f"{number!r} is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def subtree(departments: list[Department], roots: set[str] | frozenset[str]) -> set[str]:
    """The departments in `roots` and every department below them."""
    children: dict[str | None, list[str]] = {}
    for d in departments:
        children.setdefault(d.parent_id, []).append(d.department_id)
    found, todo = set(), [r for r in roots]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, []))
    return found


def scope_of(identity: Identity, departments: list[Department]) -> set[str] | None:
    """E5: the departments an administrator may act on; None = the whole company."""
    if identity.is_company_admin:
        return None
    return subtree(departments, identity.department_ids)


def require_in_scope(scope: set[str] | None, department_id: str) -> None:
    if scope is not None and department_id not in scope:
        raise Forbidden(f"You do not administer department {department_id}.")


def check_parent(departments: list[Department], department_id: str | None, parent_id: str | None) -> None:
    """E1: a parent must exist and a department cannot be moved below itself."""
    if parent_id is None:
        return
    known = {d.department_id for d in departments}
    if parent_id not in known:
        raise InvalidInput(f"Parent department {parent_id} does not exist.", code="unknown_parent")
    if department_id is not None and parent_id in subtree(departments, {department_id}):
        raise Conflict("A department cannot be moved below itself or its own sub-departments.", code="department_cycle")


def check_deletable(department: Department, departments: list[Department], members: int) -> None:
    """E1: only an empty department (no sub-departments, employees or subscriptions) can go."""
    if any(d.parent_id == department.department_id for d in departments):
        raise DepartmentNotEmpty(f"Department {department.name} has sub-departments; move or delete them first.")
    if members:
        raise DepartmentNotEmpty(
            f"Department {department.name} still has {members} employees or subscriptions; move them first."
        )


def find(items: list, attr: str, value: str, what: str):
    for item in items:
        if getattr(item, attr) == value:
            return item
    raise NotFound(f"No {what} {value}.")


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}.", code="invalid_language")
    return language
