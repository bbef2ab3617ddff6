"""Rules the views share, written once: the words for the state of data and the rank rule."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.core.i18n import pick
from lib.core.labels import FLAG_LABELS, FLAGGED, NO_DATA
from lib.engine import scoring
from lib.geo import mapview
from lib.views import profile
from lib.views.cockpit import view
from lib.views.map import figures as map_figures
from lib.views.map import layer as map_layer
from lib.views.map import legend as map_legend


def test_the_engine_and_the_views_use_one_wording_per_flag():
    for code, words in scoring.RELIABILITY_REASONS.items():
        assert words == FLAG_LABELS[code]
    assert mapview.NO_DATA_LABEL == NO_DATA.th and mapview.STALE_LABEL == FLAGGED.th


@pytest.mark.parametrize("lang", ["th", "en"])
def test_cockpit_and_map_say_the_same_of_the_same_flags(lang):
    codes = "no_data,stale,unverified"
    expected = ", ".join(pick(FLAG_LABELS[c], lang) for c in codes.split(","))
    assert view.reasons_text(codes, lang) == expected  # the cockpit's warnings
    assert map_figures.flag_text(codes, lang) == expected  # the map's tooltip and table


@pytest.mark.parametrize("lang", ["th", "en"])
def test_map_legend_and_tooltip_use_the_same_no_data_words(lang):
    classes = map_legend.classify_figure(
        [1.0, None, 3.0, 2.0, 5.0], "item", "quantiles", 3, stale=True, lang=lang
    )
    assert classes.legend["label"].tolist()[-2:] == [pick(NO_DATA, lang), pick(FLAGGED, lang)]
    empty = map_legend.classify_figure([None, None], "item", "quantiles", lang=lang)
    assert empty.legend["label"].tolist() == [pick(NO_DATA, lang)]
    layer = pd.DataFrame({"code": ["10", "11"], "name_th": ["ก", "ข"], "name_en": ["a", "b"]})
    figures = pd.DataFrame(
        {"code": ["10", "11"], "value": [1.0, None], "flag": ["stale", ""]}
    ).assign(members=1, members_with_data=1)
    joined = map_layer.join_figures(layer, figures, lang)
    assert joined["shown"].tolist()[1] == pick(NO_DATA, lang)
    assert joined["flag_text"].tolist()[0] == pick(FLAG_LABELS["stale"], lang)


def _scores(province_scores: dict[str, tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"kpi_code": "K1", "kpi_name_th": "ก", "kpi_name_en": "k", "area_code": code,
             "score": score, "result": result}
            for code, (score, result) in province_scores.items()
        ]
    )  # fmt: skip


def test_profile_and_cockpit_rank_alike_ties_share_the_best_rank():
    provinces = _scores(
        {"20": (4.0, 80.0), "21": (4.0, 80.0), "24": (3.0, 70.0), "10": (5.0, 90.0)}
    )
    empty = pd.DataFrame(columns=["area_code", "kpi_code", "result", "score"])
    table = profile.kpi_comparison(provinces, empty, empty, "21", None, ["20", "21", "24"], "en")
    row = table.iloc[0]
    assert (row["Rank in cluster"], row["Rank in country"]) == ("1/3", "2/4")
    missing = _scores({"20": (4.0, 80.0), "21": (float("nan"), float("nan"))})
    table = profile.kpi_comparison(missing, empty, empty, "21", None, [], "en")
    assert table.iloc[0]["Rank in country"] == "2/2"  # no result ranks last, not unranked
