"""The local cloud (infra/local/README.md): :class:`LocalCloud`, ``python -m infra.local``."""

from .cloud import LocalCloud

__all__ = ["LocalCloud"]
