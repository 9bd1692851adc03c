"""Amazon Chime SDK PSTN audio, the product's side of it: placing calls from the SIP media
application and poking live calls (reference/chime-pstn-audio.md §5), and Chime SDK
meetings for conference bridges (A11). In AWS boto3 talks to the service; locally the
same calls reach the local cloud's stand-in through boto3's service-specific endpoint
variables (AWS_ENDPOINT_URL_CHIME_SDK_VOICE, AWS_ENDPOINT_URL_CHIME_SDK_MEETINGS), so this
code path is the one that runs in AWS.

ArgumentsMap / Arguments travel as string maps of at most 20 pairs; `op` says what the
call-control function should do with the call (see services.call_control)."""

from __future__ import annotations

import contextlib
import os
from functools import lru_cache
from typing import Any


class CallGone(Exception):
    """The transaction no longer exists (the caller hung up): UpdateSipMediaApplicationCall 404."""


@lru_cache(maxsize=1)
def _voice():
    import boto3
    from botocore.config import Config

    # Short timeouts: a call is waiting on this (reference §6).
    return boto3.client(
        "chime-sdk-voice", config=Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2})
    )


@lru_cache(maxsize=1)
def _meetings():
    import boto3

    return boto3.client("chime-sdk-meetings")


def sip_media_application_id() -> str:
    return os.environ["SIP_MEDIA_APPLICATION_ID"]


def _strings(arguments: dict[str, Any]) -> dict[str, str]:
    if len(arguments) > 20:
        raise ValueError(f"at most 20 arguments, not {len(arguments)}")
    return {str(k): str(v) for k, v in arguments.items() if v is not None}


def create_call(from_number: str, to_number: str, arguments: dict[str, Any]) -> str:
    """CreateSipMediaApplicationCall; returns the new call's transaction id."""
    response = _voice().create_sip_media_application_call(
        SipMediaApplicationId=sip_media_application_id(),
        FromPhoneNumber=from_number,
        ToPhoneNumber=to_number,
        ArgumentsMap=_strings(arguments),
    )
    return response["SipMediaApplicationCall"]["TransactionId"]


def update_call(transaction_id: str, arguments: dict[str, Any]) -> None:
    """UpdateSipMediaApplicationCall: the function gets CALL_UPDATE_REQUESTED with these
    arguments (asynchronously: a return does not mean it has run). Raises CallGone."""
    client = _voice()
    try:
        client.update_sip_media_application_call(
            SipMediaApplicationId=sip_media_application_id(),
            TransactionId=transaction_id,
            Arguments=_strings(arguments),
        )
    except client.exceptions.NotFoundException as exc:
        raise CallGone(transaction_id) from exc


def create_meeting(external_id: str, media_region: str | None = None) -> dict[str, Any]:
    """A Chime SDK meeting (A11); returns the service's Meeting object."""
    response = _meetings().create_meeting(
        ClientRequestToken=external_id,
        ExternalMeetingId=external_id,
        MediaRegion=media_region or os.environ.get("AWS_REGION", "eu-central-1"),
    )
    return response["Meeting"]


def create_attendee(meeting_id: str, external_user_id: str) -> dict[str, Any]:
    """An attendee of a meeting; its JoinToken lets a phone leg JoinChimeMeeting."""
    response = _meetings().create_attendee(MeetingId=meeting_id, ExternalUserId=external_user_id)
    return response["Attendee"]


def delete_meeting(meeting_id: str) -> None:
    client = _meetings()
    with contextlib.suppress(client.exceptions.NotFoundException):
        client.delete_meeting(MeetingId=meeting_id)
