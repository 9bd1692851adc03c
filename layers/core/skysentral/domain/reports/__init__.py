"""F2 reports over rated lines (docs/reports.md): standard reports with drill-down
(company → department → employee → lines) and custom reports (filters, group_by), as plain
values; `skysentral.documents.report_*` render them."""

from skysentral.domain.reports.report import (
    GROUP_BY,
    KINDS,
    LINE_COLUMNS,
    REPORTS,
    TITLES,
    Column,
    Filters,
    Names,
    Report,
    check_group_by,
    check_month,
    check_report,
    custom,
    from_department_totals,
    lines_report,
    month_range,
    standard,
)

__all__ = [
    "GROUP_BY",
    "KINDS",
    "LINE_COLUMNS",
    "REPORTS",
    "TITLES",
    "Column",
    "Filters",
    "Names",
    "Report",
    "check_group_by",
    "check_month",
    "check_report",
    "custom",
    "from_department_totals",
    "lines_report",
    "month_range",
    "standard",
]
