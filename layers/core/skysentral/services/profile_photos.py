"""C1: an employee's profile photo for the directory (B4).

1. `start_upload`: a presigned S3 POST of at most 10 MB to a key of its own
   (`uploads/<company>/<employee>/<upload id>`), so the bytes never pass through the API.
2. `finish_upload`: the upload is read and checked (domain.profile_photo: a JPEG, PNG or
   WebP of 64×64 to 8000×8000 pixels that decodes); a refused file is deleted and answered
   422 `invalid_photo` with the reason. An accepted one becomes 256 px and 64 px JPEG
   thumbnails (`photos/<company>/<employee>/<upload id>-<size>.jpg`), the upload and the
   previous photo's thumbnails are deleted, and the photo is recorded on the employee
   (`EMPPHOTO#<employee>` in the DirectoryTable, audited as `employee.photo_changed`).
3. `delete_photo`: the thumbnails and the record go.
The upload key is built from the caller's own identity: nobody can finish another
person's upload."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from skysentral.adapters import photo_storage
from skysentral.domain import profile_photo
from skysentral.domain.errors import InvalidInput, InvalidPhoto, NotFound
from skysentral.domain.identity import Identity
from skysentral.store import contact_repository
from skysentral.store.directory_repository import AuditEntry, Directory

_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


def _upload_key(identity: Identity, upload_id: str) -> str:
    return f"{photo_storage.UPLOAD_PREFIX}{identity.company_id}/{identity.user_id}/{upload_id}"


def start_upload(identity: Identity, directory: Directory) -> dict[str, Any]:
    directory.employee(identity.user_id)  # only people of the directory have a photo there
    upload_id = uuid.uuid4().hex
    post = photo_storage.presigned_upload(_upload_key(identity, upload_id), profile_photo.MAX_BYTES)
    return {"upload_id": upload_id, **post, "max_bytes": profile_photo.MAX_BYTES}


def _urls(photo: dict[str, Any]) -> dict[str, str]:
    return {
        "photo_url": photo_storage.download_url(photo["keys"]["256"]),
        "thumbnail_url": photo_storage.download_url(photo["keys"]["64"]),
    }


def my_photo(identity: Identity, directory: Directory) -> dict[str, Any]:
    photo = contact_repository.photo(directory.company_id, identity.user_id)
    if photo is None:
        raise NotFound("You have no photo.")
    return _urls(photo)


def finish_upload(identity: Identity, directory: Directory, upload_id: str, now: datetime) -> dict[str, Any]:
    if not _UPLOAD_ID.match(upload_id):
        raise InvalidInput("upload_id is not one POST /me/photo/upload gave out.", code="invalid_upload_id")
    employee_id = identity.user_id
    directory.employee(employee_id)
    key = _upload_key(identity, upload_id)
    size = photo_storage.size_of(key)
    if size is None:
        raise NotFound(f"No upload {upload_id}: upload the file to the URL first (it expires after 15 minutes).")
    try:
        if size > profile_photo.MAX_BYTES:
            raise InvalidPhoto(f"The photo is larger than {profile_photo.MAX_BYTES // (1024 * 1024)} MB.")
        made = profile_photo.thumbnails(photo_storage.read(key))
    except InvalidPhoto:
        photo_storage.delete([key])
        raise
    keys = {}
    for size_px, jpeg in made.jpegs.items():
        keys[str(size_px)] = (
            f"{photo_storage.PHOTO_PREFIX}{directory.company_id}/{employee_id}/{upload_id}-{size_px}.jpg"
        )
        photo_storage.write_jpeg(keys[str(size_px)], jpeg)
    before = contact_repository.photo(directory.company_id, employee_id)
    photo = {
        "keys": keys,
        "at": now.isoformat().replace("+00:00", "Z"),
        "width_px": made.width_px,
        "height_px": made.height_px,
    }
    directory.commit(
        identity,
        put=[contact_repository.photo_item(directory.company_id, employee_id, photo)],
        audit=AuditEntry("employee.photo_changed", employee_id, before, photo),
        now=now,
    )
    photo_storage.delete([key, *((before or {}).get("keys") or {}).values()])
    return _urls(photo)


def delete_photo(identity: Identity, directory: Directory, now: datetime) -> None:
    employee_id = identity.user_id
    before = contact_repository.photo(directory.company_id, employee_id)
    if before is None:
        return
    directory.commit(
        identity,
        delete=[contact_repository.photo_item(directory.company_id, employee_id, before)],
        audit=AuditEntry("employee.photo_deleted", employee_id, before, None),
        now=now,
    )
    photo_storage.delete(list(before.get("keys", {}).values()))
