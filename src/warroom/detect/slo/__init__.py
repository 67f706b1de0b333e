"""SLOs: error budgets and multiwindow, multi-burn-rate alerts (SRE Workbook)."""
