"""The governor's cockpit (ห้องบัญชาการ): what needs a decision now, for one scope and round.

It shows the engine's figures (lib.engine.kpi, lib.engine.coverage) and computes
none of its own. `query` reads the scope, round and wall settings from the URL;
`figures` loads the engine's figures of a round for every level (the only
module that reads the store; `kept` serves them and the views through
lib.views.fresh, once per data version for every session); `view` picks a
scope's rows, compares with the previous round, orders the exceptions by
severity, ranks peers and assembles the one `CockpitView`; `charts` draws the
plotly figures, `tiles` the HTML of a KPI tile, its sparkline and the lines of
the exception list, `wall` the war-room wall's one screen (and its paging),
`style` the CSS and `then_now` a KPI as known on an earlier day beside today
with the values changed in between. No Streamlit here.
"""
