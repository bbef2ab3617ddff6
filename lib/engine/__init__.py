"""The engine owns the rules of the figures: pure pandas functions from store facts to results.

requirements (the coverage window and what is due at an as-of date), coverage
(complete, correct and timely per item x area and per area), rollups (pooling
counts, the KPI 4.4 milestone steps, clusters, regions, country), kpi (KPI
results, scores, lights, composites), scoring (milestone and linear scores,
weights, lights, reliability), methods (the registry of scoring methods),
aggregations (the registry of sum / mean / last / coverage), checks (input
checks), outliers (modified z-scores against a value's own history and its
peers), quality (validation rules between items; re-exports the outlier names)
and kpi_flags (a red light resting on flagged values not yet checked is
unreliable). Only the `load_*` and top-level `coverage` / `scores` functions
read the store, through named queries of lib.store; nothing here writes SQL.
"""
