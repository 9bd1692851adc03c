"""F6, F7, F9, C7 in a real browser (the Selenium set-up of tests/e2e/test_switchboard_page.py):
an employee opens "Privat eller jobb", marks a content purchase private and sees the month's
private total change; the company admin opens "Fakturakontroll" for October, the table shows
the figures of GET /admin/payroll/summary, a row opens the employee's months, a Visma file is
made and marked sent, and the API's refusals (409 already sent, 422 payroll numbers missing)
are shown in the view. Saves .local/screenshots/invoice-control.png (docs/images/ with
UPDATE_SCREENSHOT=1).

The company is tests/dashboard_data.make_company with the settings of
tests/e2e/test_invoice_control_api.py (e-1 Salg and e-2 Salg Nord: "standard", benefit-taxed,
content above 200 kr private; e-3 Service: "trekk", calls after 16:00 private, deducted).
Prices incl. MVA: a 90-s call to Sweden 280 øre; content 4 900 øre + 25 % = 6 125."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.dashboard_data import make_company, send, voice
from tests.e2e.test_cost_dashboard_page import ore
from tests.e2e.test_invoice_control_api import NOVEMBER, OCTOBER, claims, content, settings
from tests.e2e.test_switchboard_page import ROOT, by_css, driver, visible, wait_for  # noqa: F401
from tests.helpers import Client

pytestmark = pytest.mark.feature("F6", "F7", "F9", "C7")

SCREENSHOT = (
    ROOT / "docs" / "images" / "invoice-control.png"
    if os.environ.get("UPDATE_SCREENSHOT") == "1"
    else ROOT / ".local" / "screenshots" / "invoice-control.png"
)
MONTH_KEYS = ("private_ore", "work_ore", "benefit_flat_ore", "benefit_content_ore", "deduction_ore")


@pytest.fixture(scope="module")
def company(cloud: Any, gateway: str, issuer: Any) -> tuple[str, dict[str, Any]]:
    """GIVEN the settings from 20 October and four lines of October rated under them."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SKYSENTRAL_NOW", OCTOBER)
        cid, subs = make_company(cloud)
        admin = Client(gateway, issuer.issue(claims("e-9", "company_admin", cid)))
        status, body = admin.put("/admin/invoice-control/settings", settings())
        assert status == 200, body
        send(
            cloud,
            [
                voice("web-call", subs["e-1"].msisdn, "2026-10-20T10:00:00+02:00"),  # Tuesday 10:00: work
                content("web-app", subs["e-2"].msisdn, 4_900, "2026-10-22T12:00:00+02:00"),  # below 200 kr: work
                content("web-game", subs["e-2"].msisdn, 30_000, "2026-10-21T12:00:00+02:00"),  # above: private
                voice("web-late", subs["e-3"].msisdn, "2026-10-21T20:00:00+02:00"),  # 20:00, trekk: private
            ],
        )
    return cid, subs


def open_as(page: Any, gateway: str, token: str, view: str) -> None:
    """The page signed in with `token` (as the cost page test does), loaded afresh on `view`
    (by way of about:blank: from the same page a new hash is only a hash change, which the
    page still signed in as the previous user would answer)."""
    page.get(f"{gateway}/")
    page.execute_script("sessionStorage.clear(); sessionStorage.setItem('skysentral.token', arguments[0]);", token)
    page.get("about:blank")
    page.get(f"{gateway}/#{view}")
    wait_for(lambda: visible(page, f"#view-{view}"), what=f"the {view} view")


def choose_month(page: Any, css: str, month: str) -> None:
    """The month picker (<input type=month>) set as a user's choice would, with its change event."""
    page.execute_script(
        "const e = document.querySelector(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event('change', {bubbles: true}));",
        css,
        month,
    )


def shown_ore(page: Any, css: str) -> int:
    """A figure on the page: its text (Norwegian format) and its data-ore must agree."""
    el = visible(page, css)
    assert ore(el.text) == int(el.get_attribute("data-ore")), el.text
    return int(el.get_attribute("data-ore"))


def payroll_table(page: Any) -> dict[str, dict[str, Any]]:
    """The summary table as {employee_id: {key: øre, "payroll_number": …}}, plus "totals"."""
    out: dict[str, dict[str, Any]] = {}
    for row in by_css(page, "#payroll-table tbody tr, #payroll-table tfoot tr"):
        cells = row.find_elements("css selector", "td")
        money = {c.get_attribute("data-key"): c for c in cells if c.get_attribute("data-ore") is not None}
        shown = {k: ore(c.text) for k, c in money.items()}
        assert shown == {k: int(c.get_attribute("data-ore")) for k, c in money.items()}
        number = [c.text for c in cells if c.get_attribute("data-key") == "payroll_number"]
        key = row.get_attribute("data-employee-id") or "totals"
        out[key] = {**shown, **({"payroll_number": number[0]} if number else {})}
    return out


def payroll_json(body: dict) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for e in body["employees"]:
        out[e["employee_id"]] = {
            **{k: e["month_figures"][k] for k in MONTH_KEYS},
            "ytd_benefit_ore": e["year_to_date"]["benefit_ore"],
            "ytd_deduction_ore": e["year_to_date"]["deduction_ore"],
            "payroll_number": e["payroll_number"],
        }
    out["totals"] = {
        **{k: body["totals"][k] for k in MONTH_KEYS},
        "ytd_benefit_ore": sum(e["year_to_date"]["benefit_ore"] for e in body["employees"]),
        "ytd_deduction_ore": sum(e["year_to_date"]["deduction_ore"] for e in body["employees"]),
    }
    return out


def test_an_employee_marks_a_purchase_private_and_the_private_total_follows(
    driver: Any,  # noqa: F811
    gateway: str,
    issuer: Any,
    company: tuple[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from selenium.webdriver.support.ui import Select

    monkeypatch.setenv("SKYSENTRAL_NOW", OCTOBER)
    token = issuer.issue(claims("e-2", "employee", company[0]))
    open_as(driver, gateway, token, "myuse")
    nav = [b.text for b in by_css(driver, "button.nav") if b.is_displayed()]
    assert nav == ["Min profil", "Privat eller jobb"]  # no Fakturakontroll for an employee
    choose_month(driver, "#myuse-month", "2026-10")
    # GIVEN the game above 200 kr is private by the policy, the app below it work
    wait_for(lambda: shown_ore(driver, "#myuse-private") == 37_500, what="October's private total")
    assert shown_ore(driver, "#myuse-work") == 6_125
    assert "standard" in visible(driver, "#myuse-policy").text
    assert visible(driver, "#myuse-deadline").get_attribute("data-reporting") == "open"
    rows = {r.get_attribute("data-line-id"): r for r in by_css(driver, "#myuse-table tbody tr")}
    assert "web-app" in rows and "web-game" in rows
    assert rows["web-game"].find_element("css selector", "td[data-rule]").text == "innholdstjeneste over grensen"
    app_use = rows["web-app"].find_element("css selector", "select.use")
    assert app_use.get_attribute("aria-label")  # every choice has a label
    # WHEN the employee marks the app private
    Select(app_use).select_by_value("private")
    # THEN the month's private total is both purchases, incl. MVA, and the reason is their own report
    wait_for(lambda: shown_ore(driver, "#myuse-private") == 43_625, what="the private total after the report")
    assert shown_ore(driver, "#myuse-work") == 0
    row = visible(driver, '#myuse-table tr[data-line-id="web-app"]')
    assert row.get_attribute("data-use") == "private"
    assert row.find_element("css selector", "td[data-rule]").text == "egen rapport"
    status, mine = Client(gateway, token).get("/me/invoice-control?month=2026-10")
    assert status == 200 and mine["month_figures"]["private_ore"] == 43_625


def test_after_the_deadline_the_choices_are_disabled_with_the_reason(
    driver: Any,  # noqa: F811
    gateway: str,
    issuer: Any,
    company: tuple[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SKYSENTRAL_NOW", NOVEMBER)  # 10 November: October's deadline (the 5th) has passed
    open_as(driver, gateway, issuer.issue(claims("e-3", "employee", company[0])), "myuse")
    choose_month(driver, "#myuse-month", "2026-10")
    late = wait_for(lambda: visible(driver, '#myuse-table tr[data-line-id="web-late"] select.use'), what="e-3's line")
    assert not late.is_enabled()
    assert late.get_attribute("aria-describedby") == "myuse-deadline"
    deadline = visible(driver, "#myuse-deadline")
    assert deadline.get_attribute("data-reporting") == "closed" and "Stengt" in deadline.text
    assert shown_ore(driver, "#myuse-deduction") == 280  # trekk: the call after 16:00 is deducted


def test_the_company_admin_sees_the_payroll_summary_makes_a_visma_file_and_marks_it_sent(
    driver: Any,  # noqa: F811
    gateway: str,
    issuer: Any,
    company: tuple[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from selenium.webdriver.support.ui import Select

    cid, _ = company
    monkeypatch.setenv("SKYSENTRAL_NOW", NOVEMBER)
    token = issuer.issue(claims("e-9", "company_admin", cid))  # a sign-in of now: no step-up asked
    open_as(driver, gateway, token, "payroll")
    nav = [b.text for b in by_css(driver, "button.nav") if b.is_displayed()]
    assert nav[-4:] == ["Kostnader", "Fakturakontroll", "Min profil", "Privat eller jobb"]
    choose_month(driver, "#payroll-month", "2026-10")
    wait_for(lambda: len(by_css(driver, "#payroll-table tbody tr")) == 3, what="three employees in the table")
    status, summary = Client(gateway, token).get("/admin/payroll/summary?month=2026-10")
    assert status == 200, summary
    shown = payroll_table(driver)
    assert shown == payroll_json(summary)
    # hand-computed: the flat benefit for the two benefit-taxed, e-3's late call deducted
    assert shown["e-2"]["private_ore"] == 43_625 and shown["e-2"]["benefit_flat_ore"] == 36_600
    assert shown["e-3"]["deduction_ore"] == 280 and shown["totals"]["benefit_flat_ore"] == 73_200
    # a row opens the employee's months below the table
    visible(driver, "#payroll-open-e-2").click()
    wait_for(lambda: visible(driver, '#payroll-employee-table tr[data-month="2026-10"]'), what="e-2's months")
    october = visible(driver, '#payroll-employee-table tr[data-month="2026-10"] td[data-key="private_ore"]')
    assert ore(october.text) == 43_625

    # the payroll file: Visma, the company's system, is chosen already
    assert Select(visible(driver, "#export-system")).first_selected_option.get_attribute("value") == "visma"
    visible(driver, "#export-make").click()
    wait_for(lambda: visible(driver, "#export-file"), what="the payroll file made")
    assert visible(driver, "#export-file").text == f"visma-{cid}-2026-10.csv"
    status, made = Client(gateway, token).get("/admin/payroll/exports/2026-10-visma")
    assert status == 200 and made["entries"] == 3  # 1001 and 1002: flat benefit; 1003: deduction
    assert visible(driver, "#export-entries").text == "3"
    assert visible(driver, "#export-download").get_attribute("href").startswith("http")
    wait_for(lambda: visible(driver, '#export-table tr[data-export-id="2026-10-visma"]'), what="the month's files")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(1400, 1500)  # the table, the employee's months and the file in one picture
    driver.save_screenshot(str(SCREENSHOT))
    driver.set_window_size(1400, 1000)

    # marked sent (after a confirm), the month is closed: a new file is refused in words
    visible(driver, "#export-sent").click()
    wait_for(lambda: driver.switch_to.alert, what="the confirm").accept()
    wait_for(lambda: visible(driver, '#export-status [data-status="sent"]'), what="the file marked sent")
    assert Client(gateway, token).get("/admin/payroll/exports/2026-10-visma")[1]["status"] == "sent"
    visible(driver, "#export-make").click()
    message = wait_for(lambda: visible(driver, "#payroll-message p.error"), what="the refusal")
    assert message.get_attribute("data-code") == "already_sent"
    assert message.get_attribute("data-status") == "409" and "sendt" in message.text


def test_a_file_with_employees_lacking_payroll_numbers_names_them(
    driver: Any,  # noqa: F811
    gateway: str,
    cloud: Any,
    issuer: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SKYSENTRAL_NOW", OCTOBER)
    cid, subs = make_company(cloud)
    admin = Client(gateway, issuer.issue(claims("e-9", "company_admin", cid)))
    assert admin.put("/admin/invoice-control/settings", settings(numbers=False))[0] == 200
    send(cloud, [voice("web-x-1", subs["e-3"].msisdn, "2026-10-21T20:00:00+02:00")])
    monkeypatch.setenv("SKYSENTRAL_NOW", NOVEMBER)
    open_as(driver, gateway, issuer.issue(claims("e-9", "company_admin", cid)), "payroll")
    choose_month(driver, "#payroll-month", "2026-10")
    wait_for(lambda: len(by_css(driver, "#payroll-table tbody tr")) == 3, what="the table")
    assert [c.text for c in by_css(driver, '#payroll-table td[data-key="payroll_number"]')] == ["mangler"] * 3
    visible(driver, "#export-make").click()
    message = wait_for(lambda: visible(driver, "#payroll-message p.error"), what="the refusal")
    assert message.get_attribute("data-code") == "payroll_number_missing"
    problems = [li.text for li in by_css(driver, "#payroll-message .problems li")]
    assert problems == [f"Ansatt {n} (e-{n}) mangler lønnsnummer" for n in (1, 2, 3)]
