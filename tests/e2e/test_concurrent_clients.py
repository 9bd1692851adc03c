"""Issue 7, item 6: the local cloud holds 20 concurrent clients × 50 mixed reads and writes
with no errors and no lost writes (moto's DynamoDB is not thread-safe on its own)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.helpers import Client

CLIENTS, REQUESTS = 20, 50


def test_20_concurrent_clients_get_no_errors_and_lose_no_writes(gateway, issuer, seeded, siri):
    # GIVEN Fjellvind's admin and one of its employees (a company the other tests do not count)
    per = Client(
        gateway,
        issuer.issue(
            {
                "sub": "e-fjellvind-02",
                "email": "per@fjellvind.no",
                "custom:company_id": "c-fjellvind",
                "custom:role": "employee",
                "custom:departments": "",
            }
        ),
    )
    language = per.get("/me")[1]["language"]
    run = uuid.uuid4().hex[:6]

    def client(n: int) -> tuple[list[str], list[tuple]]:
        created, failures = [], []
        for i in range(REQUESTS):
            # a write in three (a department in ten: the transaction copies the table in moto)
            if i % 10 == 0:
                name = f"Last {run} {n}-{i}"
                status, body = siri.post("/admin/departments", {"name": name})
                created.append(name)
            elif i % 10 in (1, 4, 7):
                status, body = per.patch("/me", {"language": language})
            elif i % 10 in (2, 5):
                status, body = siri.get("/admin/departments")
            elif i % 10 in (3, 6, 8):
                status, body = per.get("/me")
            else:
                status, body = siri.get("/admin/subscriptions?limit=5")
            if not 200 <= status < 300:
                failures.append((n, i, status, body))
        return created, failures

    # WHEN 20 clients send 50 mixed requests each at the same time
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))

    # THEN every request succeeded and every department written is there
    assert [f for _, failures in results for f in failures] == []
    names = {d["name"] for d in siri.get("/admin/departments")[1]["items"]}
    created = [name for names_, _ in results for name in names_]
    assert len(created) == CLIENTS * REQUESTS // 10
    assert set(created) <= names
