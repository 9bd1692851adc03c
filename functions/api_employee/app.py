"""Employee app back end ("Mobil App", C-area): my profile and settings."""
from typing import Literal

from aws_lambda_powertools import Logger

from skysentral.api.http import Api, Body
from skysentral.domain.identity import EVERYONE
from skysentral.services import directory as svc
from skysentral.store.directory import Directory

logger = Logger()
api = Api("skysentral-employee")
app = api.app


class ProfileChange(Body):
    language: Literal["nb", "en"] | None = None
    display_number: Literal["personal", "main"] | None = None


@api.route("/me", "GET", roles=EVERYONE, errors=(404,))
def get_me(identity):
    """My profile, company and subscriptions (C1)."""
    return svc.me(identity, Directory.of(identity))


@api.route("/me", "PATCH", roles=EVERYONE, body=ProfileChange, errors=(400, 404))
def patch_me(identity, body):
    """Change my language (nb/en) and the number shown when I call out (A10)."""
    return svc.update_me(identity, Directory.of(identity), body.model_dump(exclude_none=True))
