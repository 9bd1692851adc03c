"""F1 in a real browser (the switchboard page's Selenium set-up, tests/e2e/test_switchboard_page.py):
the company admin logs in and opens Costs (Kostnader); the 13-month chart is drawn and the
table beside it shows the figures of GET /admin/dashboard; the department picker narrows
them; the switchboard agent is not offered Costs. Saves .local/screenshots/costs.png
(docs/images/costs.png with UPDATE_SCREENSHOT=1)."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest

from tests.dashboard_data import NOW, make_company, rate_usage
from tests.e2e.test_switchboard_page import ROOT, by_css, driver, log_in, visible, wait_for  # noqa: F401
from tests.helpers import Client

SCREENSHOT = (
    ROOT / "docs" / "images" / "costs.png"
    if os.environ.get("UPDATE_SCREENSHOT") == "1"
    else ROOT / ".local" / "screenshots" / "costs.png"
)


@pytest.fixture(autouse=True)
def november(monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", NOW)


def ore(text: str) -> int:
    """ "8 322,00" (nb-NO, with a no-break space; a minus sign) as øre."""
    clean = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("kr", "")
    return int(Decimal(clean.replace("\u2212", "-").replace(",", ".")) * 100)


def table_of(page: Any, css: str) -> dict[str, dict[str, int]]:
    """The cost table as {month: {kind: øre}} from the figures shown (and their data-ore)."""
    out: dict[str, dict[str, int]] = {}
    for row in by_css(page, f"{css} tbody tr"):
        cells = row.find_elements("css selector", "td")
        shown = {c.get_attribute("data-kind"): ore(c.text) for c in cells}
        assert shown == {c.get_attribute("data-kind"): int(c.get_attribute("data-ore")) for c in cells}
        out[row.get_attribute("data-month")] = shown
    return out


def table_of_json(body: dict) -> dict[str, dict[str, int]]:
    out = {}
    for r in body["trend"]:
        out[r["month"]] = {**{k: v["amount_ore"] for k, v in r["by_kind"].items()}, "sum": r["net_ore"]}
    return out


def open_costs(page: Any, gateway: str) -> None:
    page.get(f"{gateway}/#costs")
    page.refresh()
    wait_for(lambda: visible(page, "#view-costs"), what="the costs view")
    wait_for(lambda: visible(page, "#costs-chart[data-drawn=true]"), what="the cost chart drawn")


@pytest.mark.feature("F1", "B8")
def test_the_company_admin_opens_costs_and_the_table_shows_the_jsons_figures(
    driver: Any,  # noqa: F811
    gateway: str,
    seeded: Any,
    issuer: Any,
) -> None:
    log_in(driver, gateway, "ADMIN")
    nav = [b.text for b in by_css(driver, "button.nav") if b.is_displayed()]
    switchboard = ["Køer nå", "Katalog", "SMS-senter", "Statistikk"]
    assert nav == [*switchboard, "Kostnader", "Fakturakontroll", "Min profil", "Privat eller jobb"]
    visible(driver, 'button.nav[data-view="costs"]').click()
    wait_for(lambda: visible(driver, "#costs-chart[data-drawn=true]"), what="the cost chart drawn")
    kari = next(u for u in seeded if u.var == "ADMIN")
    status, body = Client(gateway, issuer.issue(kari.claims)).get("/admin/dashboard")
    assert status == 200
    assert wait_for(lambda: len(by_css(driver, "#costs-table tbody tr")) == 13, what="13 months in the table")
    assert table_of(driver, "#costs-table") == table_of_json(body)
    assert driver.execute_script("return Chart.getChart('costs-chart').data.datasets.length") == 7  # one per kind
    assert visible(driver, "#costs-chart").get_attribute("aria-label")
    assert ore(visible(driver, "#costs-month dd:last-of-type").text) == body["this_month"]["total_ore"]


@pytest.mark.feature("F1", "E5")
def test_costs_of_a_company_with_usage_and_the_department_picker(
    driver: Any,  # noqa: F811
    gateway: str,
    cloud: Any,
    issuer: Any,
) -> None:
    from selenium.webdriver.support.ui import Select

    with pytest.MonkeyPatch.context() as mp:
        cid, subs = make_company(cloud)
        rate_usage(cloud, subs, mp)
    claims = {"sub": "e-1", "email": "e1@dash.no", "custom:company_id": cid, "custom:role": "company_admin",
              "custom:departments": ""}  # fmt: skip
    token = issuer.issue(claims)
    driver.get(f"{gateway}/")
    driver.execute_script("sessionStorage.clear(); sessionStorage.setItem('skysentral.token', arguments[0]);", token)
    open_costs(driver, gateway)
    body = Client(gateway, token).get("/admin/dashboard")[1]
    wait_for(lambda: len(by_css(driver, "#costs-table tbody tr")) == 13, what="13 months in the table")
    shown = table_of(driver, "#costs-table")
    assert shown == table_of_json(body)
    assert shown["2026-11"]["sum"] == 8322 and shown["2026-10"]["sum"] == 0 and shown["2026-09"]["voice"] == 224
    assert [ore(d.text) for d in by_css(driver, "#costs-month dd")] == [8322, 2081, 10403]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOT))
    # the picker: the department below Salg, then one employee
    wait_for(lambda: len(Select(visible(driver, "#costs-dept")).options) == 4, what="the departments")
    Select(visible(driver, "#costs-dept")).select_by_value("dep-a1")
    visible(driver, "#costs-show").click()
    wait_for(lambda: table_of(driver, "#costs-table")["2026-11"]["sum"] == 4900, what="the department's figures")
    wait_for(lambda: "e-2" in [o.get_attribute("value") for o in Select(visible(driver, "#costs-emp")).options])
    Select(visible(driver, "#costs-dept")).select_by_value("")
    wait_for(lambda: "e-3" in [o.get_attribute("value") for o in Select(visible(driver, "#costs-emp")).options])
    Select(visible(driver, "#costs-emp")).select_by_value("e-3")
    visible(driver, "#costs-show").click()
    employee = {"voice": 0, "sms": 0, "mms": 0, "content": 0, "package": 0, "fee": 0, "data": 3000, "sum": 3000}
    wait_for(lambda: table_of(driver, "#costs-table")["2026-11"] == employee, what="the employee's figures")
    assert visible(driver, "#costs-packages").text  # data packages of an employee: none bought


@pytest.mark.feature("F1", "B8")
def test_the_agent_is_not_offered_costs_and_an_employee_sees_my_costs(driver: Any, gateway: str, seeded: Any) -> None:  # noqa: F811
    log_in(driver, gateway, "AGENT")
    assert not visible(driver, 'button.nav[data-view="costs"]')
    driver.get(f"{gateway}/#costs")
    driver.refresh()
    wait_for(lambda: visible(driver, "#view-live"), what="the agent's first view instead of costs")
    log_in(driver, gateway, "EMPLOYEE")
    nav = [b.text for b in by_css(driver, "button.nav") if b.is_displayed()]
    assert nav == ["Min profil", "Privat eller jobb"]
    wait_for(lambda: visible(driver, "#my-costs-chart[data-drawn=true]"), what="my cost chart")
    assert len(by_css(driver, "#my-costs-table tbody tr")) == 13
