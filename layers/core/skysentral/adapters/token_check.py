"""Verifying a bearer token where API Gateway's Cognito authorizer cannot: the WebSocket
API's `$connect` (WebSocket APIs have no Cognito authorizer; the token comes as `?token=`).
It checks what the REST API's authorizer checks: an RS256 ID token signed by a key of the
issuer's JWKS, its issuer and audience, not expired (PyJWT, imported on first use so
no other handler pays for it at cold start: tests/unit/test_cold_start.py).

- In AWS: the user pool USER_POOL_ID of the function's region; audience the app client
  USER_POOL_CLIENT_ID; keys from `<issuer>/.well-known/jwks.json`.
- Locally (STAGE=local): the local issuer (infra/local/issuer.py), whose issuer and audience
  are fixed; TOKEN_JWKS_URL, set by the local cloud, says where its JWKS is served.
TOKEN_JWKS_URL, when not empty, replaces the JWKS address in AWS too."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from skysentral.domain.errors import Unauthorized

LOCAL_ISSUER, LOCAL_AUDIENCE = "http://localhost:3000/_local/issuer", "skysentral-local"


def expected() -> tuple[str, str, str]:
    """(issuer, audience, JWKS URL) the tokens must match."""
    jwks = os.environ.get("TOKEN_JWKS_URL") or ""
    if os.environ.get("STAGE") == "local":
        issuer, audience = LOCAL_ISSUER, LOCAL_AUDIENCE
    else:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "eu-central-1")
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{os.environ['USER_POOL_ID']}"
        audience = os.environ["USER_POOL_CLIENT_ID"]
    return issuer, audience, jwks or f"{issuer}/.well-known/jwks.json"


@lru_cache(maxsize=4)
def _keys(jwks_url: str) -> Any:
    import jwt

    # Keys cached for the container's life; an unknown kid refetches (key rotation).
    return jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)


def verify(token: str | None) -> dict[str, Any]:
    """The token's claims, or Unauthorized with the reason."""
    if not token:
        raise Unauthorized("A bearer token is required (?token=…).")
    import jwt  # on first use: PyJWT (and cryptography) load only where a token is checked

    issuer, audience, jwks_url = expected()
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "RS256":
            raise Unauthorized("The token is not signed with RS256.")
        key = _keys(jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The token has expired.") from exc
    except jwt.PyJWKClientConnectionError:
        raise  # the key set cannot be read: a server fault, not the caller's (API Gateway answers 500)
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"The token is not valid: {exc}") from exc
    if claims.get("token_use") != "id":
        raise Unauthorized("The token is not an ID token.")
    return claims
