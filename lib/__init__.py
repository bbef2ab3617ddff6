"""The provincial EIS/GIS cockpit's logic, as packages by domain (read the folder names first).

core (settings, one "today", Thai/English text, page registry, numbers, Thai
calendar, safe exports) -> store (the only door to DuckDB) -> engine (coverage,
KPI scores, aggregations) and ingest (reading agency files) -> services (upload,
access, backup, bootstrap, demo) -> views (cockpit, map and profile view models)
and geo (boundaries, reference geography, offline maps) -> cli (`python -m lib`)
and ui (the only part that imports Streamlit). Arrows point at what a package
may use; pages/ and the command line call services and views, never SQL.
"""
