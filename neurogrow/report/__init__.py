"""Reports of ``neurogrow compare-rt``: methods-ready ``report.md`` and figures (PNG and PDF)."""
from neurogrow.report.figures import write_figures
from neurogrow.report.markdown import render_report, write_report

__all__ = ["render_report", "write_figures", "write_report"]
