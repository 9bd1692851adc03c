"""The switchboard's directory over HTTP (B4, C5, C1): search, external contacts, profile
photos through a presigned S3 POST, and e-mail through SES, against the seeded demo
companies (Nordlys: Ingrid the switchboard agent, Lars an employee; Fjellvind: Siri)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import requests
from PIL import Image

from skysentral.store.presence_repository import PresenceRepository


@pytest.fixture
def ingrid(as_user):
    return as_user("switchboard_agent")


def names(body: dict) -> list[str]:
    return [r["name"] for r in body["results"]]


def ses_messages_to(cloud, address: str) -> list:
    from moto.ses.models import ses_backends

    return [
        m for m in ses_backends[cloud.account][cloud.region].sent_messages if address in m.destinations["ToAddresses"]
    ]


def png(width: int, height: int, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((width, height), 40).convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


def upload(client, data: bytes, filename: str) -> str:
    """POST /me/photo/upload, then the file to S3 as a browser's form would; the upload id."""
    status, grant = client.post("/me/photo/upload")
    assert status == 200 and grant["max_bytes"] == 10 * 1024 * 1024
    sent = requests.post(grant["url"], data=grant["fields"], files={"file": (filename, data)}, timeout=30)
    assert sent.status_code in (200, 201, 204), sent.text
    return grant["upload_id"]


# ---------------------------------------------------------------- search (B4, C5)
@pytest.mark.feature("B4", "C5")
def test_an_employee_finds_colleagues_by_name_with_availability_phone_and_calendar(lars, seeded):
    now = datetime.now(UTC)
    PresenceRepository("c-nordlys").set_calendar(
        "e-nordlys-01",
        [
            {
                "subject": "Budsjett",
                "start": _iso(now - timedelta(minutes=5)),
                "end": _iso(now + timedelta(minutes=25)),
                "show_as": "busy",
            },
            {
                "subject": "Lunsj",
                "start": _iso(now + timedelta(hours=1)),
                "end": _iso(now + timedelta(hours=2)),
                "show_as": "busy",
            },
        ],
        _iso(now),
    )
    status, body = lars.get("/directory?q=KARI%20nord")
    assert status == 200 and names(body) == ["Kari Nordmann"]
    kari = body["results"][0]
    assert kari["kind"] == "employee" and kari["department"] == "Administrasjon"
    assert kari["numbers"]["mobile"] == "+4791200001" and kari["numbers"]["extension"] == "201"
    assert kari["availability"]["state"] == "in_meeting" and kari["availability"]["source"] == "calendar"
    assert kari["next_calendar_entry"]["subject"] == "Lunsj"
    assert kari["phone"] == "idle" and kari["photo_url"] is None


@pytest.mark.feature("B4", "C5")
@pytest.mark.parametrize("typed", ["912 00 005", "+47 91 20 00 05", "004791200005", "205"])
def test_a_person_is_found_by_number_in_any_format_and_by_extension(lars, typed):
    status, body = lars.get(f"/directory?q={requests.utils.quote(typed)}")
    assert status == 200 and names(body) == ["Sigrid Larsen"]


@pytest.mark.feature("B4")
def test_o_does_not_find_oe_and_results_are_in_norwegian_order(ingrid):
    assert "Petter Jørgensen" not in names(ingrid.get("/directory?q=jorg")[1])
    assert names(ingrid.get("/directory?q=j%C3%B8rg")[1]) == ["Petter Jørgensen"]
    status, _ = ingrid.post("/switchboard/contacts", {"name": "Åse Ødegård", "organisation": "Ærlig Rør AS"})
    assert status == 201
    ordered = names(ingrid.get("/directory?limit=200")[1])
    assert ordered == sorted(ordered, key=lambda n: n.lower().translate(str.maketrans("æøå", "{|}")))
    assert ordered.index("Åse Ødegård") > ordered.index("Vegard Johannessen")


@pytest.mark.feature("B4")
def test_search_by_department_includes_only_its_people_and_no_contacts(lars):
    status, body = lars.get("/directory?department_id=dep-service&limit=200")
    assert status == 200 and body["results"]
    assert {r["department_id"] for r in body["results"]} == {"dep-service"}
    assert "Sigrid Larsen" in names(body)


@pytest.mark.feature("B4")
def test_another_companys_people_never_appear_and_its_department_is_404(lars, siri):
    assert "Siri Fjell" not in names(lars.get("/directory?limit=200")[1])
    assert lars.get("/directory?q=siri")[1]["results"] == []
    assert lars.get("/directory?q=91300001")[1]["results"] == []
    assert lars.get("/directory?department_id=dep-fv")[0] == 404
    assert "Kari Nordmann" not in names(siri.get("/directory?limit=200")[1])


@pytest.mark.feature("B4")
@pytest.mark.parametrize("query", ["limit=0", "limit=201", "kind=robot", "colour=red"])
def test_bad_search_parameters_are_400(lars, query):
    status, body = lars.get(f"/directory?{query}")
    assert status == 400 and body["message"]


# ---------------------------------------------------------------- external contacts (B4)
@pytest.mark.feature("B4", "C5")
def test_the_switchboard_keeps_external_contacts_with_e164_numbers_audited(ingrid, kari):
    status, created = ingrid.post(
        "/switchboard/contacts",
        {
            "name": "Ola Grossist",
            "organisation": "VVS Engros",
            "numbers": {"work": "22 33 44 55"},
            "email": "ola@vvs.no",
        },
    )
    assert status == 201 and created["numbers"] == {"work": "+4722334455"}
    contact_id = created["contact_id"]
    found = ingrid.get("/directory?q=22334455")[1]["results"]
    assert [r["contact_id"] for r in found] == [contact_id]
    assert [r["name"] for r in ingrid.get("/directory?q=vvs&kind=contact")[1]["results"]] == ["Ola Grossist"]

    status, changed = ingrid.put(
        f"/switchboard/contacts/{contact_id}", {"name": "Ola Grossist", "numbers": {"mobile": "+4790000001"}}
    )
    assert status == 200 and changed["numbers"] == {"mobile": "+4790000001"} and changed["organisation"] is None
    assert contact_id in {c["contact_id"] for c in ingrid.get("/switchboard/contacts")[1]["items"]}
    assert ingrid.delete(f"/switchboard/contacts/{contact_id}")[0] == 204
    assert ingrid.delete(f"/switchboard/contacts/{contact_id}")[0] == 404
    kinds = {a["kind"] for a in kari.get(f"/admin/audit?target={contact_id}")[1]["items"]}
    assert kinds == {"contact.created", "contact.changed", "contact.deleted"}


@pytest.mark.feature("B4")
def test_an_employee_may_search_but_not_manage_contacts(lars):
    assert lars.get("/switchboard/contacts")[0] == 403
    assert lars.post("/switchboard/contacts", {"name": "X"})[0] == 403
    assert lars.post("/switchboard/email", {"to": {"address": "a@b.no"}, "subject": "s", "text": "t"})[0] == 403


@pytest.mark.feature("B4")
def test_another_companys_contact_is_404_and_never_found(ingrid, siri):
    _, created = siri.post("/switchboard/contacts", {"name": "Fjellvinds Hemmelige Kontakt"})
    contact_id = created["contact_id"]
    assert ingrid.put(f"/switchboard/contacts/{contact_id}", {"name": "Stjålet"})[0] == 404
    assert ingrid.delete(f"/switchboard/contacts/{contact_id}")[0] == 404
    assert ingrid.post("/switchboard/email", {"to": {"contact_id": contact_id}, "subject": "s", "text": "t"})[0] == 404
    assert ingrid.get("/directory?q=hemmelige")[1]["results"] == []


@pytest.mark.feature("B4")
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "X", "numbers": {"work": "12"}},
        {"name": "X", "numbers": {"fax": "+4722334455"}},
        {"name": "X", "email": "not an address"},
        {"name": "X", "colour": "red"},
    ],
)
def test_a_bad_contact_is_400(ingrid, body):
    status, answer = ingrid.post("/switchboard/contacts", body)
    assert status == 400 and answer["message"]


# ---------------------------------------------------------------- e-mail (B4)
@pytest.mark.feature("B4")
def test_the_switchboard_emails_an_employee_a_contact_or_an_address_through_ses(ingrid, cloud):
    status, sent = ingrid.post(
        "/switchboard/email",
        {"to": {"employee_id": "e-nordlys-05"}, "subject": "Ring kunden", "text": "Hei Sigrid, ring Ola."},
    )
    assert status == 202 and sent["to"] == "sigrid.larsen@nordlys.no"
    [message] = ses_messages_to(cloud, "sigrid.larsen@nordlys.no")
    assert message.subject == "Ring kunden" and "ring Ola" in message.body

    _, contact = ingrid.post("/switchboard/contacts", {"name": "Epost Kontakt", "email": "kontakt@example.no"})
    assert (
        ingrid.post("/switchboard/email", {"to": {"contact_id": contact["contact_id"]}, "subject": "s", "text": "t"})[0]
        == 202
    )
    assert (
        ingrid.post("/switchboard/email", {"to": {"address": "fri@example.no"}, "subject": "s", "text": "t"})[0] == 202
    )
    assert ses_messages_to(cloud, "kontakt@example.no") and ses_messages_to(cloud, "fri@example.no")


@pytest.mark.feature("B4")
@pytest.mark.parametrize(
    "body",
    [
        {"to": {}, "subject": "s", "text": "t"},
        {"to": {"address": "a@b.no", "employee_id": "e-nordlys-05"}, "subject": "s", "text": "t"},
        {"to": {"address": "nope"}, "subject": "s", "text": "t"},
        {"to": {"address": "a@b.no"}, "subject": "", "text": "t"},
        {"to": {"address": "a@b.no"}, "subject": "s"},
    ],
)
def test_a_bad_email_is_400(ingrid, body):
    status, answer = ingrid.post("/switchboard/email", body)
    assert status == 400 and answer["message"]


@pytest.mark.feature("B4")
def test_an_email_to_a_contact_without_address_is_422_and_to_another_companys_employee_404(ingrid):
    _, contact = ingrid.post("/switchboard/contacts", {"name": "Uten Epost"})
    status, body = ingrid.post(
        "/switchboard/email", {"to": {"contact_id": contact["contact_id"]}, "subject": "s", "text": "t"}
    )
    assert status == 422 and body["error"] == "no_email_address"
    assert (
        ingrid.post("/switchboard/email", {"to": {"employee_id": "e-fjellvind-01"}, "subject": "s", "text": "t"})[0]
        == 404
    )


# ---------------------------------------------------------------- photos (C1)
@pytest.mark.feature("C1", "B4")
def test_a_photo_uploaded_with_a_presigned_post_becomes_thumbnails_shown_in_the_directory(as_user, lars, ingrid):
    me = as_user("employee (Lars")
    upload_id = upload(me, png(300, 200), "me.png")
    status, photo = me.post("/me/photo", {"upload_id": upload_id})
    assert status == 200, photo
    for url, size in ((photo["photo_url"], 256), (photo["thumbnail_url"], 64)):
        fetched = requests.get(url, timeout=30)
        assert fetched.status_code == 200
        image = Image.open(io.BytesIO(fetched.content))
        assert image.format == "JPEG" and image.size == (size, size)
    [lars_found] = ingrid.get("/directory?q=lars%20olsen")[1]["results"]
    assert requests.get(lars_found["photo_url"], timeout=30).status_code == 200
    assert me.post("/me/photo", {"upload_id": upload_id})[0] == 404  # the upload is used up

    assert me.delete("/me/photo")[0] == 204
    assert me.get("/me/photo")[0] == 404
    assert ingrid.get("/directory?q=lars%20olsen")[1]["results"][0]["photo_url"] is None


@pytest.mark.feature("C1")
@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"Dette er ingen JPEG, bare tekst.", "photo.jpg", "not a JPEG, PNG or WebP"),
        (png(10, 10), "tiny.png", "at least 64×64"),
        (png(300, 300, "JPEG")[:4000], "cut.jpg", "damaged or incomplete"),
    ],
)
def test_a_bad_photo_is_422_invalid_photo_with_the_reason_and_the_upload_is_deleted(as_user, data, filename, reason):
    me = as_user("switchboard_agent")
    upload_id = upload(me, data, filename)
    status, body = me.post("/me/photo", {"upload_id": upload_id})
    assert status == 422 and body["error"] == "invalid_photo" and reason in body["message"]
    assert me.post("/me/photo", {"upload_id": upload_id})[0] == 404


@pytest.mark.feature("C1")
def test_nobody_finishes_another_persons_upload_and_a_bad_upload_id_is_400(as_user, lars):
    upload_id = upload(lars, png(100, 100), "me.png")
    assert as_user("switchboard_agent").post("/me/photo", {"upload_id": upload_id})[0] == 404
    assert lars.post("/me/photo", {"upload_id": "../../etc/passwd"})[0] == 400
    assert lars.post("/me/photo", {})[0] == 400


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
