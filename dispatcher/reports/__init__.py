"""Reports a manager can send upward: the monthly KPI report as one self-contained HTML file."""
