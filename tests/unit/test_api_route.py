"""Api.route (api/http.py): what a view is given."""

from __future__ import annotations

import pytest

from skysentral.api.http import Api


def test_a_public_route_cannot_ask_for_a_tenant_directory():
    # a directory is bound to the caller's company from the verified token; a route without
    # a token has no company, so asking for one is a programming error found at import time
    api = Api("test")
    with pytest.raises(TypeError, match="public route"):

        @api.route("/public", "GET", roles=None)
        def public(directory):  # pragma: no cover - never registered
            return {}
