"""Pure renderers: plain values in, bytes out (fpdf2, openpyxl, the standard library's
XML); no AWS, no storage (docs/portal.md)."""
