import sys

from infra.openapi import OUT, render

text = render()
if "--check" in sys.argv:
    sys.exit(
        0 if OUT.exists() and OUT.read_text() == text else "infra/openapi/openapi.json is stale: run `make openapi`"
    )
OUT.write_text(text)
print(f"wrote {OUT}")
