"""The one module of lib/ that imports Streamlit: store handle, caches, language, widgets.

Pages call these helpers and lib's pure functions; nothing else in lib/ may
import streamlit (a test enforces it).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from lib import bootstrap, geo, mapview
from lib import thaicalendar as tc
from lib.db import Store
from lib.settings import db_path, tile_url

LANGS = ("th", "en")


@st.cache_resource(show_spinner="กำลังเตรียมฐานข้อมูล (ครั้งแรกเท่านั้น) / Preparing the store")
def _store(path: str) -> Store:
    return bootstrap.open_store(Path(path))


def store() -> Store:
    """The app's store, built from data/ on first start; one per process."""
    return _store(str(db_path()))


def data_version(s: Store) -> str:
    """A small key that changes whenever observations change (cache key for figures)."""
    return s.data_version()


def lang() -> str:
    """Language chosen in the URL (?lang=en); Thai by default."""
    value = st.query_params.get("lang", "th")
    return value if value in LANGS else "th"


def t(th: str, en: str) -> str:
    """The Thai or English text, by the current language."""
    return en if lang() == "en" else th


def language_switch() -> None:
    """A sidebar switch between Thai and English that lives in the URL."""
    english = st.sidebar.toggle("English", value=lang() == "en", key="lang_toggle")
    wanted = "en" if english else "th"
    if wanted != lang():
        st.query_params["lang"] = wanted
        st.rerun()


def name_col(prefix: str = "name") -> str:
    """Column holding names in the current language (name_th or name_en)."""
    return f"{prefix}_{lang()}"


def fmt_int(x) -> str:
    """A whole number with Thai-style grouping."""
    return tc.format_number_th(x, 0)


# -- cached figures (keyed by data version, never by big frames) --------------
@st.cache_data(show_spinner=False)
def load_summary(_s: Store, version: str) -> pd.DataFrame:
    """Observation cells by data group and province (cached per data version)."""
    return _s.load_summary()


@st.cache_data(show_spinner=False)
def province_density(_s: Store, version: str) -> pd.DataFrame:
    """Registered population per km² by province from the latest population values."""
    return _s.population_density()


@st.cache_resource(show_spinner=False)
def province_shapes():
    """The national province layer (GeoDataFrame), read once."""
    return geo.province_layer()


def draw_legend(rows: pd.DataFrame, title: str) -> None:
    """The map legend, drawn by the app (not inside the map)."""
    st.markdown(f"**{title}**")
    for r in rows.itertuples():
        count = f" ({int(r.count)})" if "count" in rows and pd.notna(r.count) else ""
        st.markdown(
            f'<span style="display:inline-block;width:1.2em;height:1em;background:{r.colour};'
            f'border:1px solid #888;margin-right:.4em"></span>{r.label}{count}',
            unsafe_allow_html=True,
        )


def show_map(m, key: str, height: int = 620) -> dict | None:
    """Draw a folium map offline; pan and zoom do not rerun the script."""
    from streamlit_folium import st_folium

    return st_folium(
        m,
        height=height,
        use_container_width=True,
        returned_objects=["last_active_drawing"],
        key=key,
    )


def offline_map(**kw):
    """mapview.offline_map with the site's optional tile server."""
    return mapview.offline_map(tiles_url=tile_url(), **kw)
