"""Pure renderers of the business portal (issue 12, docs/portal.md): plain values in, bytes
out (fpdf2, openpyxl, the standard library); no AWS, no storage.

    report_csv, report_xlsx, report_pdf    a report (domain.reports.Report.to_dict()) or any
                                           table of the same shape (columns, rows, total)
    fonts/                                 DejaVu Sans (Unicode: æøå), with its licence
"""
