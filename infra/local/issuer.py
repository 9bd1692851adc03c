"""The local token issuer standing in for the Cognito user pool: RS256 ID tokens with
Cognito's claims, key kept in ``<root>/.local/issuer-key.pem`` (gitignored) so tokens from
``python -m infra.local tokens`` work against a running ``run``; :meth:`Issuer.verify`
checks what API Gateway's Cognito authorizer checks."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from joserfc.jwk import RSAKey

ISSUER = "http://localhost:3000/_local/issuer"
AUDIENCE = "skysentral-local"
KEY_FILE = Path(".local") / "issuer-key.pem"
REPO_ROOT = Path(__file__).resolve().parents[2]


class InvalidToken(Exception):
    """The token must be refused (API Gateway answers 401)."""


_REASONS = {
    jwt.ExpiredSignatureError: "token expired",
    jwt.InvalidAudienceError: "wrong audience",
    jwt.InvalidIssuerError: "wrong issuer",
}


def _load_or_create_key(path: Path) -> RSAKey:
    """The issuer's key, made on first use. Two processes starting together (`make run`
    beside the tests, pytest-xdist's workers) agree on one key: each writes a complete key to
    a file of its own and links it into place, which only the first can do; nobody can
    read a half-written key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        mine = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
        fd = os.open(mine, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(RSAKey.generate_key(2048, private=True).as_pem(private=True))
        try:
            os.link(mine, path)
        except FileExistsError:
            pass  # another process was first: its key is complete and is the one used
        finally:
            mine.unlink()
    return RSAKey.import_key(path.read_bytes())


class Issuer:
    def __init__(
        self, root: Path | str = REPO_ROOT, key_file: Path | None = None, issuer: str = ISSUER, audience: str = AUDIENCE
    ) -> None:
        self.path = Path(key_file) if key_file else Path(root).resolve() / KEY_FILE
        self.issuer, self.audience = issuer, audience
        self._key = _load_or_create_key(self.path)
        self._public = self._key.public_key
        self.kid = self._key.thumbprint()  # the key's RFC 7638 thumbprint

    def issue(
        self, claims: dict[str, Any], ttl_s: int = 3600, auth_age_s: int = 0, mfa: bool = False, **overrides: Any
    ) -> str:
        """An RS256 ID token with Cognito-shaped claims; ``claims`` win over defaults.

        F10: the user signed in ``auth_age_s`` seconds ago by the handlers' clock
        (:mod:`skysentral.clock`, so a local clock set with ``POST /_local/clock`` moves it too),
        with a password only, or with MFA (``amr`` ["pwd", "mfa"], what the Pre Token
        Generation trigger adds for administrators in AWS). iat/exp stay real time: the
        signature check (like API Gateway's) knows no other clock."""
        from skysentral import clock  # here: `python -m infra.local` puts layers/core on the path in main()

        now = int(time.time())
        body: dict[str, Any] = {
            "sub": str(uuid.uuid4()),
            "iss": self.issuer,
            "aud": self.audience,
            "token_use": "id",
            "auth_time": int(clock.now().timestamp()) - int(auth_age_s),
            "amr": ["pwd", "mfa"] if mfa else ["pwd"],
            "iat": now,
            "exp": now + int(ttl_s),
            "jti": str(uuid.uuid4()),
            "email_verified": True,
        }
        claims = dict(claims)
        depts = claims.get("custom:departments")
        if isinstance(depts, (list, tuple)):
            claims["custom:departments"] = ",".join(str(d) for d in depts)
        body.update(claims)
        body.update(overrides)
        if "email" in body:
            body.setdefault("cognito:username", body["email"])
        return jwt.encode(body, self._key.private_key, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a valid token, else :class:`InvalidToken` (with the reason)."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != "RS256":
                raise InvalidToken(f"unexpected algorithm {header.get('alg')!r}")
            if header.get("kid") not in (None, self.kid):
                raise InvalidToken("unknown signing key")
            claims = jwt.decode(
                token,
                self._public,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(_REASONS.get(type(exc), f"invalid token: {exc}")) from exc
        if claims.get("token_use") != "id":
            raise InvalidToken("not an ID token")
        return claims

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**self._key.as_dict(private=False), "alg": "RS256", "use": "sig", "kid": self.kid}]}
