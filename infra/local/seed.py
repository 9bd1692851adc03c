"""The demo data that `make run` seeds (issue: foundation, item 7).

Nordlys Rørlegger AS: a Norwegian plumbing firm with three departments, 25 employees
with mobile subscriptions on 5/6/10/20 GB plans (some "Fri Bruk" plans that include
Nordic and EU/EEA usage), a ported main number, extensions and a switchboard queue.
Fjellvind Consulting AS: a small second company, to try tenant isolation.

Ids are fixed so that tokens printed by `python -m infra.local tokens` stay valid.
"""

from __future__ import annotations

from dataclasses import dataclass

NORDLYS = "c-nordlys"
FJELLVIND = "c-fjellvind"
OPERATOR_ORG = "op-skysentral"  # the business mobile operator's own staff (role operator)

_FIRST = [
    "Kari",
    "Ola",
    "Ingrid",
    "Lars",
    "Sigrid",
    "Jonas",
    "Astrid",
    "Magnus",
    "Nora",
    "Henrik",
    "Solveig",
    "Emil",
    "Ragnhild",
    "Sander",
    "Maja",
    "Eirik",
    "Tone",
    "Vegard",
    "Hedda",
    "Knut",
    "Silje",
    "Petter",
    "Live",
    "Tor",
    "Ane",
]
_LAST = [
    "Nordmann",
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
]
_PLANS = ["BEDRIFT_5", "BEDRIFT_6", "BEDRIFT_10", "BEDRIFT_20", "FRI_BRUK_10", "FRI_BRUK_20"]


@dataclass(frozen=True)
class DemoUser:
    label: str
    claims: dict
    var: str  # shell variable name used in the README's curl examples


def _claims(company_id: str, employee_id: str, email: str, role: str, departments: tuple[str, ...] = ()) -> dict:
    return {
        "sub": employee_id,
        "email": email,
        "custom:company_id": company_id,
        "custom:role": role,
        "custom:departments": ",".join(departments),
    }


DEMO_USERS: list[DemoUser] = [
    DemoUser(
        "company_admin (Kari Nordmann, Nordlys)",
        _claims(NORDLYS, "e-nordlys-01", "kari.nordmann@nordlys.no", "company_admin"),
        "ADMIN",
    ),
    DemoUser(
        "department_admin of Salg (Ola Hansen, Nordlys)",
        _claims(NORDLYS, "e-nordlys-02", "ola.hansen@nordlys.no", "department_admin", ("dep-salg",)),
        "DEPT_ADMIN",
    ),
    DemoUser(
        "switchboard_agent (Ingrid Johansen, Nordlys)",
        _claims(NORDLYS, "e-nordlys-03", "ingrid.johansen@nordlys.no", "switchboard_agent"),
        "AGENT",
    ),
    DemoUser(
        "employee (Lars Olsen, Nordlys)",
        _claims(NORDLYS, "e-nordlys-04", "lars.olsen@nordlys.no", "employee"),
        "EMPLOYEE",
    ),
    DemoUser(
        "company_admin (Siri Fjell, Fjellvind)",
        _claims(FJELLVIND, "e-fjellvind-01", "siri@fjellvind.no", "company_admin"),
        "OTHER_ADMIN",
    ),
    DemoUser(
        "operator (Mona Drift, the mobile operator's staff)",
        _claims(OPERATOR_ORG, "op-mona", "mona.drift@operator.no", "operator"),
        "OPERATOR",
    ),
]


def demo_values():
    """(company_id, [domain values]) for both demo companies."""
    from skysentral.domain import organisation
    from skysentral.domain.catalogue import PLANS

    nordlys_deps = [
        organisation.Department("dep-salg", "Salg"),
        organisation.Department("dep-service", "Service"),
        organisation.Department("dep-adm", "Administrasjon"),
    ]
    roles = {1: "company_admin", 2: "department_admin", 3: "switchboard_agent"}
    values: list = [
        organisation.Company(NORDLYS, "Nordlys Rørlegger AS", "912345678", "+4722123400"),
        *nordlys_deps,
        *PLANS.values(),
    ]
    extensions = []
    for n in range(1, 26):
        emp_id, sub_id = f"e-nordlys-{n:02d}", f"s-nordlys-{n:02d}"
        first, last = _FIRST[n - 1], _LAST[n - 1]
        dep = nordlys_deps[(n - 1) % 3].department_id if n > 3 else ("dep-adm" if n != 2 else "dep-salg")
        mobile = f"+47912{n:05d}"
        plan = _PLANS[(n - 1) % len(_PLANS)]
        values.append(
            organisation.Employee(
                emp_id,
                f"{first} {last}",
                f"{first.lower()}.{last.lower()}@nordlys.no".replace("ø", "o"),
                roles.get(n, "employee"),
                dep,
                language="en" if n % 7 == 0 else "nb",
                extension=str(200 + n),
                mobile=mobile,
                admin_departments=("dep-salg",) if n == 2 else (),
            )
        )
        values.append(
            organisation.Subscription(
                sub_id,
                mobile,
                dep,
                plan,
                employee_id=emp_id,
                add_ons=organisation.AddOns(
                    rollover=PLANS[plan].package_bytes >= 6 * 1024**3 and n % 2 == 0, datakontroll=n % 3 == 0
                ),
            )
        )
        extensions.append((str(200 + n), emp_id))
    fjellvind = [
        organisation.Company(FJELLVIND, "Fjellvind Consulting AS", "998877665", "+4755123400"),
        organisation.Department("dep-fv", "Rådgivning"),
        PLANS["BEDRIFT_10"],
    ]
    for n, (name, email) in enumerate(
        [("Siri Fjell", "siri@fjellvind.no"), ("Per Vind", "per@fjellvind.no"), ("Una Berg", "una@fjellvind.no")],
        start=1,
    ):
        mobile = f"+47913{n:05d}"
        fjellvind.append(
            organisation.Employee(
                f"e-fjellvind-{n:02d}",
                name,
                email,
                "company_admin" if n == 1 else "employee",
                "dep-fv",
                extension=str(100 + n),
                mobile=mobile,
            )
        )
        fjellvind.append(
            organisation.Subscription(
                f"s-fjellvind-{n:02d}", mobile, "dep-fv", "BEDRIFT_10", employee_id=f"e-fjellvind-{n:02d}"
            )
        )
    return [(NORDLYS, values, extensions), (FJELLVIND, fjellvind, [])]


def seed_demo(cloud=None) -> list[DemoUser]:
    """Write both demo companies (idempotent: same ids, plain puts)."""
    from skysentral.store.directory_repository import Directory
    from skysentral.store.models import QueueItem, SubscriptionItem

    for company_id, values, extensions in demo_values():
        directory = Directory(company_id)
        with SubscriptionItem.batch_write() as batch:
            for value in values:
                batch.save(directory.item(value))
            for ext, emp in extensions:
                batch.save(directory.extension_item(ext, emp))
            if company_id == NORDLYS:
                batch.save(
                    QueueItem(
                        company_id,
                        "QUEUE#q-sentralbord",
                        name="Sentralbord",
                        number="+4722123400",
                        strategy="longest_idle",
                        members=["e-nordlys-03", "e-nordlys-05", "e-nordlys-08"],
                    )
                )
    return DEMO_USERS
