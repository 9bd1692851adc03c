"""GET /health: the API answers, unauthenticated. Kept tiny so it starts fast."""
from chalice import Chalice

app = Chalice(app_name="skysentral-health")


@app.route("/health", methods=["GET"])
def health():
    """Liveness of the HTTP API."""
    return {"status": "ok", "service": "skysentral"}
