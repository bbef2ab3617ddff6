"""The map page: any item, KPI score or data-health figure by area, with drill-down in the URL.

`state` is what the URL holds (MapState, drill-down path, breadcrumb, default
periods); `figures` gives the figure of every area of a level (item values
pooled by the item's own aggregation, KPI scores, data health) with its flags,
and `load_figures` is the one function that reads the store; `legend` turns
figures into classes and legend rows; `layer` joins them to boundaries and
builds the folium layer; `export` writes the table behind the map (CSV, XLSX)
and a PNG picture. No Streamlit here.
"""
