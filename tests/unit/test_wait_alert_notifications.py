"""B3: a wait alert reaches each supervisor by their channels, in their language."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from skysentral.domain.pbx.routing_plan import Supervisor
from skysentral.services.wait_alerts import notify_supervisors

DETAIL = {"caller": "+4798765432", "wait_s": 95, "threshold_s": 90}


class Outbox:
    def __init__(self, fail_sms: bool = False):
        self.sms, self.mail, self.fail_sms = [], [], fail_sms

    def send_sms(self, number, text):
        if self.fail_sms:
            raise RuntimeError("SNS is down")
        self.sms.append((number, text))

    def send_email(self, to, subject, text):
        self.mail.append((to, subject, text))


EMPLOYEES = {
    "e1": SimpleNamespace(mobile="+4791200001", email="kari@x.no", language="nb"),
    "e2": SimpleNamespace(mobile="+4791200002", email="per@x.no", language="en"),
    "e3": SimpleNamespace(mobile=None, email="lise@x.no", language="nb"),
}


@pytest.mark.feature("B3")
def test_b3_each_supervisor_is_told_by_their_channels_in_their_language():
    outbox = Outbox()
    supervisors = (Supervisor("e1", ("sms", "email")), Supervisor("e2", ("sms",)), Supervisor("e3", ("sms",)))
    sent = notify_supervisors(DETAIL, "Sentralbord", supervisors, EMPLOYEES, outbox)
    assert sent == [("sms", "+4791200001"), ("email", "kari@x.no"), ("sms", "+4791200002")]  # e3 has no mobile
    assert "har ventet 95 sekunder i køen Sentralbord" in outbox.sms[0][1]
    assert "has waited 95 seconds in the queue Sentralbord" in outbox.sms[1][1]
    assert outbox.mail[0][1] == "Lang ventetid i køen Sentralbord" and "+4798765432" in outbox.mail[0][2]


@pytest.mark.feature("B3")
def test_b3_a_failing_channel_does_not_stop_the_others():
    outbox = Outbox(fail_sms=True)
    sent = notify_supervisors(DETAIL, "Service", (Supervisor("e1", ("sms", "email")),), EMPLOYEES, outbox)
    assert sent == [("email", "kari@x.no")]


@pytest.mark.feature("B3")
def test_b3_a_supervisor_no_longer_employed_is_skipped():
    outbox = Outbox()
    assert notify_supervisors(DETAIL, "Service", (Supervisor("e9", ("sms",)),), EMPLOYEES, outbox) == []
