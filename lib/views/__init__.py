"""What the pages show, as figures and view models, without Streamlit.

`cockpit/` is the governor's cockpit (scope and URL state, the engine's figures
of a round, the view model of exceptions, tiles, peers and data health, plotly
charts and tile HTML, then-and-now, and `kept`: its figures kept fresh);
`fresh` keeps figures once per data version for every session and recomputes
today's right after the data changes (warmed at server start); `map/` is the map page (URL state and
drill-down, figures per area, classes and legend, the table and picture
exports); `profile` is the province profile's tables; `explore` is the Explore
page (catalogue search, an item's definition, history, values by area, a
value's provenance); `past` reads the day a page describes (?as_of=) and words
the banner of a view of the past; `labels` and `ranking` hold the words and the
rank rule these share; `tables` turns upload, batch, account and audit frames
into the Thai/English tables users read. Functions taking a `store` are the
only ones that read data and are named `load_...`; everything else is frames
in, frames or figures out.
"""
