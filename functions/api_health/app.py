"""GET /health: the API answers, unauthenticated. Kept tiny so it starts fast."""

from skysentral.api.http import Api

api = Api("skysentral-health")
app = api.app


@api.route("/health", "GET", roles=None)
def health():
    """Liveness of the HTTP API."""
    return {"status": "ok", "service": "skysentral"}
