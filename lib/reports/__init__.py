"""Reports: the official forms out of the store, as PDF and XLSX, and their delivery by email.

`document` is the model every report is built as (sections of headings,
paragraphs, label/value fields, check boxes and tables of cells); `pdf` and
`xlsx` render any document (Sarabun, Thai line breaking, Thai digits as an
option, Buddhist Era dates); `build` checks a request (kind, area, fiscal year,
round, KPI, agency) and dispatches it to the report that builds its document:
`kpiform` (the per-indicator form of the performance agreement), `coverage`
(the KPI 4.4 coverage report), `followup` (the follow-up letter tables per
agency), `cockpit` (a scope's cockpit on one page); `mail` sends a report
through the province's SMTP server and `schedule` runs the administrator's
scheduled deliveries (due times, retries with back-off, audit). This package
sits above lib.views and below lib.cli; it never imports Streamlit.
"""
