"""Pure renderers of the business portal's documents (F2, F4): plain values in, bytes out.

fpdf2 for PDF, openpyxl for xlsx, the standard library for XML and CSV; no AWS, no
storage. The fonts the PDFs embed live in `fonts/` (Lambda has no system fonts).
"""
