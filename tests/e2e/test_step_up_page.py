"""F10 in a real browser (the Selenium set-up of tests/e2e/test_switchboard_page.py): the demo
company admin (Kari, Nordlys) signed in through the page's local login an hour ago, without
MFA, makes a payroll file. The API answers 401 step_up_required; the page asks "Bekreft at det
er deg" in a modal dialog. Confirming signs her in again (with MFA, same demo user) and retries
the request once: the file is made. Cancelling (button or Esc) leaves the action undone, says
why, and she stays signed in.

The gateway's own request log (logger ``infra.local.gateway``: "POST /path → status") counts
the requests, so "retried once" is what the server saw, not what the page says it did.
Months of Nordlys no other test exports: 2026-07 (cancelled, never made) and 2026-08 (made)."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.test_invoice_control_page import choose_month
from tests.e2e.test_switchboard_page import by_css, driver, log_in, visible, wait_for  # noqa: F401
from tests.helpers import Client

pytestmark = pytest.mark.feature("F10")

NOW = "2026-09-10T12:00:00Z"  # July and August have ended, whatever the real date
TOKEN_KEY, USER_KEY = "skysentral.token", "skysentral.localUser"  # web/api.js's sessionStorage keys
EXPORTS = "/admin/payroll/exports"


class Requests(logging.Handler):
    """(method, path, status) of every request the local gateway answered."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: list[tuple[str, str, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.args, tuple) and len(record.args) == 4 and "→" in str(record.msg):
            method, path, status, _ = record.args
            self.seen.append((str(method), str(path), int(status)))

    def statuses(self, method: str, path: str) -> list[int]:
        return [s for m, p, s in self.seen if m == method and p == path]


@pytest.fixture
def requests_seen() -> Iterator[Requests]:
    logger = logging.getLogger("infra.local.gateway")
    handler, level = Requests(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture(scope="module")
def kari_claims(seeded: Any) -> dict[str, Any]:
    return next(u for u in seeded if u.var == "ADMIN").claims


@pytest.fixture
def signed_in_an_hour_ago(
    driver: Any,  # noqa: F811
    gateway: str,
    issuer: Any,
    kari_claims: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """Kari signed in through the page's login (so the page knows the demo user to sign in
    again as), then her stored token swapped for one of a sign-in an hour ago without MFA,
    and the page loaded afresh on Fakturakontroll."""
    monkeypatch.setenv("SKYSENTRAL_NOW", NOW)
    log_in(driver, gateway, "ADMIN")
    assert driver.execute_script("return sessionStorage.getItem(arguments[0])", USER_KEY) == "ADMIN"
    old = issuer.issue(kari_claims, auth_age_s=3600)
    driver.execute_script("sessionStorage.setItem(arguments[0], arguments[1])", TOKEN_KEY, old)
    driver.get("about:blank")  # a new document: the page reads the token again as it starts
    driver.get(f"{gateway}/#payroll")
    wait_for(lambda: visible(driver, "#view-payroll"), what="Fakturakontroll")
    assert stored_claims(driver)["auth_time"] == old_claims(old)["auth_time"]
    return driver


def old_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def stored_claims(page: Any) -> dict[str, Any]:
    return old_claims(page.execute_script("return sessionStorage.getItem(arguments[0])", TOKEN_KEY))


def ask_for_the_file(page: Any, month: str) -> Any:
    """Choose the month, wait for its summary, press "Lag lønnsfil": the dialog opens."""
    choose_month(page, "#payroll-month", month)
    shown = "#payroll-table caption, #payroll-empty"  # the month's table, or that no one used anything
    wait_for(lambda: month in visible(page, shown).text, what=f"the payroll summary of {month}")
    make = visible(page, "#export-make")
    assert make.text == "Lag lønnsfil"
    make.click()
    return wait_for(lambda: visible(page, "dialog#step-up"), what="the step-up dialog")


def assert_the_dialog(page: Any, dialog: Any) -> None:
    """A modal dialog named by its heading, described by its text, focus on Bekreft."""
    assert dialog.aria_role == "dialog"
    assert dialog.accessible_name == "Bekreft at det er deg"
    assert page.execute_script("return arguments[0].open && arguments[0].matches(':modal')", dialog)
    text = visible(page, "#step-up-text")
    assert dialog.get_attribute("aria-describedby") == "step-up-text"
    assert "fersk innlogging" in text.text and "MFA" in text.text
    assert page.switch_to.active_element == visible(page, "#step-up-confirm")
    assert visible(page, "#step-up-confirm").text == "Bekreft"
    assert visible(page, "#step-up-cancel").text == "Avbryt"


def test_confirming_signs_in_again_and_makes_the_file_with_one_retry(
    signed_in_an_hour_ago: Any,
    gateway: str,
    issuer: Any,
    kari_claims: dict[str, Any],
    requests_seen: Requests,
) -> None:
    page = signed_in_an_hour_ago
    kari = Client(gateway, issuer.issue(kari_claims))
    assert kari.get(f"{EXPORTS}/2026-08-visma")[0] == 404  # GIVEN no file for August yet

    # WHEN she asks for August's file with her hour-old sign-in
    dialog = ask_for_the_file(page, "2026-08")
    # THEN the API refused it once, nothing is made, and the dialog asks her to confirm
    assert_the_dialog(page, dialog)
    assert requests_seen.statuses("POST", EXPORTS) == [401]
    assert not visible(page, "#export-file")

    # WHEN she confirms
    visible(page, "#step-up-confirm").click()
    # THEN the file is made, after one new sign-in (with MFA, same user) and one retry
    file = wait_for(lambda: visible(page, "#export-file"), what="the payroll file made")
    assert file.text == "visma-c-nordlys-2026-08.csv"
    assert not by_css(page, "dialog#step-up")
    assert page.switch_to.active_element == visible(page, "#export-make")  # focus back where she was
    assert not visible(page, "#payroll-message p.error")
    wait_for(lambda: requests_seen.statuses("POST", EXPORTS) == [401, 201], what="one retry of the POST")
    assert requests_seen.statuses("POST", "/_local/login") == [200]
    fresh = stored_claims(page)
    assert fresh["sub"] == kari_claims["sub"] and "mfa" in fresh["amr"]
    status, listed = kari.get(f"{EXPORTS}?year=2026")
    assert status == 200, listed
    august = [e for e in listed["exports"] if e["month"] == "2026-08"]
    assert [(e["export_id"], e["file_name"], e["created_by"]) for e in august] == [
        ("2026-08-visma", "visma-c-nordlys-2026-08.csv", kari_claims["sub"])
    ]


def test_cancelling_leaves_no_file_and_says_why(
    signed_in_an_hour_ago: Any,
    gateway: str,
    issuer: Any,
    kari_claims: dict[str, Any],
    requests_seen: Requests,
) -> None:
    from selenium.webdriver.common.keys import Keys

    page = signed_in_an_hour_ago
    old = page.execute_script("return sessionStorage.getItem(arguments[0])", TOKEN_KEY)
    dialog = ask_for_the_file(page, "2026-07")
    assert_the_dialog(page, dialog)

    # WHEN she cancels
    visible(page, "#step-up-cancel").click()
    # THEN the dialog is gone, the refusal is shown in words, focus is back on the button
    message = wait_for(lambda: visible(page, "#payroll-message p.error"), what="the step-up refusal")
    assert message.get_attribute("data-code") == "step_up_required"
    assert message.get_attribute("data-status") == "401"
    assert "bekrefter at det er deg" in message.text
    assert not by_css(page, "dialog#step-up")
    assert page.switch_to.active_element == visible(page, "#export-make")
    assert not visible(page, "#export-file")

    # WHEN she tries again and presses Esc: the same
    visible(page, "#export-make").click()
    dialog = wait_for(lambda: visible(page, "dialog#step-up"), what="the dialog again")
    assert not visible(page, "#payroll-message p.error")  # a new attempt clears the old message
    dialog.send_keys(Keys.ESCAPE)
    wait_for(lambda: not by_css(page, "dialog#step-up"), what="Esc to close the dialog")
    message = wait_for(lambda: visible(page, "#payroll-message p.error"), what="the refusal after Esc")
    assert message.get_attribute("data-code") == "step_up_required"

    # nothing was made, nothing retried, no new sign-in; she is still signed in as before
    assert requests_seen.statuses("POST", EXPORTS) == [401, 401]
    assert requests_seen.statuses("POST", "/_local/login") == []
    kari = Client(gateway, issuer.issue(kari_claims))
    assert kari.get(f"{EXPORTS}/2026-07-visma")[0] == 404
    status, listed = kari.get(f"{EXPORTS}?year=2026")
    assert status == 200 and not [e for e in listed["exports"] if e["month"] == "2026-07"]
    assert visible(page, "#app") and not visible(page, "#login")
    assert page.execute_script("return sessionStorage.getItem(arguments[0])", TOKEN_KEY) == old
