"""Pure renderers of the business portal's documents (F2, F4, docs/portal.md): plain values
in, bytes out (fpdf2 for PDF, openpyxl for xlsx, the standard library for XML and CSV); no
AWS, no storage.

    invoice_pdf, ehf, ehf_rules            an invoice or credit note as PDF and as EHF (PEPPOL
                                           BIS Billing 3.0), and the BIS rules that apply to it
    report_csv, report_xlsx, report_pdf    a report (domain.reports.Report.to_dict()) or any
                                           table of the same shape (columns, rows, total)
    payroll_entries                        F9: a payroll run's entries → the file for its system
    payroll_visma, payroll_huldt_lillevik, payroll_sap, payroll_layout
                                           the three payroll layouts, each one field list that
                                           writes, parses and checks its file (docs/payroll-files.md)
    fonts/                                 DejaVu Sans (Unicode: æøå), with its licence (LICENSE)
"""
