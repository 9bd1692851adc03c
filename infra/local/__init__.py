"""The local cloud: template.yaml deployed into an in-process AWS emulator (moto), the
real handlers run in-process, an API Gateway stand-in on :3000 and a Cognito stand-in.

See infra/local/README.md. Entry points: :class:`infra.local.cloud.LocalCloud`,
:mod:`infra.local.gateway`, :mod:`infra.local.issuer`, ``python -m infra.local``.
"""
from .cloud import LocalCloud

__all__ = ["LocalCloud"]
