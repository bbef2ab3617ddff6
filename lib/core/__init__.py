"""What every other package relies on and nothing in it depends on the store or the UI.

settings (every setting with its default and meaning, and the one `today()`),
limits (how much one uploaded file may hold, settable by environment variables),
i18n (Thai first, English available: one text type, one fallback, one error
base class), pages (the one page registry), numbers (exact half-up rounding),
thaicalendar (Buddhist and fiscal years, periods, due dates, Thai labels),
exporting (CSV/XLSX cells a spreadsheet never runs as formulas), worker (the
background thread the scheduled reports' and the feeds' workers are made of), turns
(the server's background jobs run one at a time, so pages keep their share of it),
memory (the server's threads share two malloc arenas, so its memory stays flat) and lru
(a bounded map the threads share, for values worked out once).
"""
