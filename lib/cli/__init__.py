"""The command line, `python -m lib COMMAND`: one module per domain of commands.

`main` (parser and dispatch, exit codes 0/1/2/3), `common` (the one-line error,
--db/--format, output), `store` (init, info, catalog), `engine` (coverage,
scores), `access` (users, backup, restore), `config` (the configuration
workbook), `data` (import, batches, undo, verify, submitted, export), `history`
(every version of one value: its provenance), `quality` (outliers and
validation rules), `layouts` (saved file layouts), `templates` (upload
templates) and `reports` (the official forms as PDF or XLSX, mailed now or on
schedule, and the KPI form's narratives). Commands read arguments, call
lib.services / lib.engine / lib.reports and print; the rules they apply live there.
"""

from lib.cli.main import main

__all__ = ["main"]
