"""Request models of the web switchboard's routes (B1-B6, C1, C5)."""

from pydantic import Field

from skysentral.api.requests import Body


# ---------------------------------------------------------------- live view, call path and notes (B1, B2, B3)
class NewNote(Body):
    text: str = Field(min_length=1, max_length=2000, description="the note (B2), 1-2000 characters")
