"""Geography: the reference areas, the shipped boundary layers and offline Leaflet maps.

reference (provinces, districts, regions and clusters with effective dates,
from data/), layers (the province, cluster and region GeoJSON in geo/),
districts (checking and installing an administrator's district layer) and
mapview (an offline folium map, class breaks, palettes and legends; no
Streamlit, no request leaves the machine) and tooltip (a tooltip whose link the
pointer can reach).
"""
