"""Classes of a figure and the legend rows the app draws beside the map.

Data health and scores use fixed policy bands (health at the KPI 4.4 bars,
scores at whole levels); data items use quantiles, equal intervals or natural
breaks, with fewer classes when there are fewer distinct values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core.i18n import Text, pick
from lib.core.labels import FLAGGED, NO_DATA
from lib.core.settings import MILESTONE_BARS
from lib.geo import mapview

# Policy bands (lower edges): data health at the KPI 4.4 bars, scores at whole levels.
HEALTH_BANDS = (0.0, *MILESTONE_BARS)
SCORE_BANDS = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)


@dataclass
class Classes:
    """Class index per area, colours, legend rows, and the method actually used."""

    classes: np.ndarray
    colours: list[str]
    legend: pd.DataFrame
    method: str
    note: str = ""


def _fixed_classes(y: pd.Series, kind: str, stale: bool, lang: str) -> Classes:
    """The policy bands of data health or scores."""
    if kind not in ("health", "kpi"):
        raise ValueError("fixed policy bands exist for data health and scores only")
    bands = HEALTH_BANDS if kind == "health" else SCORE_BANDS
    bins, classes = mapview.classify(y.clip(lower=bands[0]), "fixed", bands=bands, closed="left")
    colours = mapview.palette(len(bins), True)
    labels = _band_labels(bins, kind, lang)
    legend = mapview.legend_rows(bins, colours, labels, closed="left", counts=classes, stale=stale)
    return Classes(classes, colours, _translate(legend, lang), "fixed")


def classify_figure(
    values: Sequence[float],
    kind: str,
    method: str,
    k: int = 5,
    higher_is_better: bool | None = True,
    decimals: int = 1,
    stale: bool = False,
    lang: str = "th",
) -> Classes:
    """Classes for a figure: fixed policy bands, or quantiles / equal interval / natural breaks.

    A data method falls back to fewer classes when there are fewer distinct values.
    """
    y = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").astype("float64")
    if method == "fixed":
        return _fixed_classes(y, kind, stale, lang)
    fmt = f"{{:,.{max(int(decimals), 0)}f}}"
    distinct = int(y.dropna().nunique())
    if distinct == 0:
        classes = np.full(len(y), mapview.NO_DATA_CLASS)
        legend = pd.DataFrame(
            {"colour": [mapview.NO_DATA_COLOUR], "label": [pick(NO_DATA, lang)], "count": len(y)}
        )
        return Classes(classes, [], legend, method)
    k_used = min(int(k), distinct)
    if k_used < 2:
        classes = np.where(y.notna(), 0, mapview.NO_DATA_CLASS)
        colours = mapview.palette(1, higher_is_better)
        legend = mapview.legend_rows(
            [float(y.max())], colours, [fmt.format(y.max())], counts=classes, stale=stale
        )
        return Classes(classes, colours, _translate(legend, lang), method)
    note = ""
    if k_used < k:
        note = pick(
            Text(f"ค่ามีน้อย ใช้ {k_used} ชั้นแทน {k}", f"few distinct values: {k_used} classes"), lang
        )
    bins, classes = mapview.classify(y, method, k=k_used)
    colours = mapview.palette(len(bins), higher_is_better)
    legend = mapview.legend_rows(
        bins, colours, fmt=fmt, lowest=float(y.min()), counts=classes, stale=stale
    )
    return Classes(classes, colours, _translate(legend, lang), method, note)


def _band_labels(bins: Sequence[float], kind: str, lang: str) -> list[str]:
    """Legend text of the policy bands: "< 80", "80 - < 90", ..., "100"."""
    if kind == "health":
        return [
            pick(Text("ต่ำกว่า 80", "below 80"), lang),
            "80 – < 90",
            "90 – < 100",
            pick(Text("100 (ครบทุกเกณฑ์)", "100 (all met)"), lang),
        ]
    labels = [pick(Text("ต่ำกว่า 1", "below 1"), lang)]
    labels += [f"{int(bins[i])} – < {int(bins[i + 1])}" for i in range(1, len(bins) - 1)]
    labels.append(pick(Text("5 (สูงสุด)", "5 (top)"), lang))
    return labels


def _translate(legend: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The no-data and flagged rows of mapview.legend_rows (Thai) in the page's language."""
    words = {mapview.NO_DATA_LABEL: pick(NO_DATA, lang), mapview.STALE_LABEL: pick(FLAGGED, lang)}
    return legend.replace({"label": words})
