"""The province profile's tables: KPIs against cluster and country, what is owed, trends, districts.

Pure pandas: frames from the engine and the store in, tables with headers in
the reader's language out.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick, pick_column
from lib.engine.requirements import owed_period
from lib.views.ranking import group_ranks, rank_text

COMPARISON_HEADERS = {
    "kpi": Text("ตัวชี้วัด", "KPI"),
    "name": Text("ชื่อ", "Name"),
    "result": Text("ผล (จังหวัด)", "Result (province)"),
    "score": Text("คะแนน", "Score"),
    "cluster_result": Text("ผล (กลุ่มจังหวัด)", "Result (cluster)"),
    "cluster_score": Text("คะแนน (กลุ่มจังหวัด)", "Score (cluster)"),
    "country_result": Text("ผล (ประเทศ)", "Result (country)"),
    "rank_cluster": Text("อันดับในกลุ่ม", "Rank in cluster"),
    "rank_country": Text("อันดับในประเทศ", "Rank in country"),
}
OWED_HEADERS = {
    "code": Text("รหัส", "Code"),
    "item": Text("รายการข้อมูล", "Data item"),
    "period": Text("งวดที่ค้าง", "Period owed"),
    "due": Text("ครบกำหนด", "Due"),
    "areas": Text("พื้นที่ที่ค้าง", "Areas owing"),
    "owner": Text("หน่วยงานเจ้าของข้อมูล", "Owner agency"),
    "person": Text("ผู้รับผิดชอบ", "Responsible"),
}
TREND_SERIES = {
    "province": Text("จังหวัด", "Province"),
    "cluster": Text("เฉลี่ยจังหวัดในกลุ่ม", "Cluster mean"),
    "country": Text("เฉลี่ยทั้งประเทศ", "Country mean"),
}
DISTRICT_HEADERS = {"code": Text("รหัส", "Code"), "name": Text("อำเภอ/เขต", "District")}


def _ranks_in(keys: pd.DataFrame, code: str, areas: Sequence[str] | None = None) -> dict[str, str]:
    """KPI code -> 'rank/n' of a province's key, among all provinces or among areas."""
    rows = keys if areas is None else keys.loc[keys["area_code"].isin(list(areas))]
    rank, n = group_ranks(rows["_key"], rows["kpi_code"])
    mine = (rows["area_code"] == code).to_numpy(bool)
    texts = (rank_text(r, k) for r, k in zip(rank[mine], n[mine], strict=True))
    return dict(zip(rows["kpi_code"][mine], texts, strict=True))


def kpi_comparison(
    province: pd.DataFrame,
    clusters: pd.DataFrame,
    country: pd.DataFrame,
    code: str,
    cluster_code: str | None,
    cluster_members: Sequence[str],
    lang: str = "th",
) -> pd.DataFrame:
    """Per KPI: the province's result and score against its cluster and the country, with ranks.

    province / clusters / country: kpi.scores rows of each level. Rank by score
    (then result) among all provinces and among the cluster's members.
    """
    keys = province[["kpi_code", "area_code"]].assign(
        _key=province["score"].fillna(-1) * 1e9 + province["result"].fillna(-1e8)
    )
    mine = province.loc[province["area_code"] == code].set_index("kpi_code")
    cl = clusters.loc[clusters["area_code"] == cluster_code].set_index("kpi_code")
    th = country.set_index("kpi_code")
    h = {k: pick(v, lang) for k, v in COMPARISON_HEADERS.items()}
    in_cluster, in_country = _ranks_in(keys, code, cluster_members), _ranks_in(keys, code)
    out = pd.DataFrame(
        {
            h["kpi"]: mine.index,
            h["name"]: mine[pick_column("kpi_name", lang)],
            h["result"]: mine["result"],
            h["score"]: mine["score"],
            h["cluster_result"]: cl["result"].reindex(mine.index),
            h["cluster_score"]: cl["score"].reindex(mine.index),
            h["country_result"]: th["result"].reindex(mine.index),
            h["rank_cluster"]: [in_cluster.get(k, "-") for k in mine.index],
            h["rank_country"]: [in_country.get(k, "-") for k in mine.index],
        }
    )
    return out.reset_index(drop=True)


def _owed_row(item: str, n: int, n_all: int, c: dict, end, lang: str) -> dict:
    """One row of `owed_items`: the period owed, its due date, the owner and the person."""
    h = {k: pick(v, lang) for k, v in OWED_HEADERS.items()}
    freq = c["frequency"]
    period, due = owed_period(end, freq, c["release_lag_days"])
    return {
        h["code"]: item,
        h["item"]: c[pick_column("name", lang)],
        h["period"]: tc.thai_period_label(period, freq, lang) if period else "-",
        h["due"]: tc.thai_date(due, lang) if due else "-",
        h["areas"]: f"{int(n)}/{int(n_all)}",
        h["owner"]: c[pick_column("owner_name", lang)],
        h["person"]: c["responsible_person"],
        "_due": due,
    }


def owed_items(
    cells: pd.DataFrame,
    requirements: pd.DataFrame,
    catalog: pd.DataFrame,
    code: str,
    lang: str = "th",
) -> pd.DataFrame:
    """Items whose latest due period the province (or some of its districts) has not delivered.

    cells: coverage.item_area_coverage rows; requirements: coverage.item_requirements;
    catalog: Store.catalog(). Columns: item, period owed, due date, areas overdue,
    owner agency, responsible person.
    """
    mine = cells.loc[
        cells["province_code"] == code, ["item_code", "area_code", "item_areas_timely"]
    ]
    readable = set(catalog["code"])  # items the reader may see
    late: dict[str, set] = {}
    every: dict[str, set] = {}
    for item, area, timely in zip(
        mine["item_code"].tolist(),
        mine["area_code"].tolist(),
        mine["item_areas_timely"].tolist(),
        strict=True,
    ):  # a few thousand rows: plain Python beats a pandas step per count
        if item in readable:
            every.setdefault(item, set()).add(area)
            if timely == 0:
                late.setdefault(item, set()).add(area)
    if not late:
        return pd.DataFrame()
    owed = sorted(late)
    records = catalog.loc[catalog["code"].isin(owed)].to_dict("records")
    about = {c["code"]: c for c in records}
    due_ends = dict(zip(requirements["code"], requirements["latest_due_end"], strict=True))
    rows = [
        _owed_row(i, len(late[i]), len(every[i]), about[i], due_ends.get(i), lang) for i in owed
    ]
    out = pd.DataFrame(rows).sort_values(["_due", pick(OWED_HEADERS["code"], lang)])
    return out.drop(columns="_due").reset_index(drop=True)


def trend_frame(
    values: pd.DataFrame,
    frequency: str,
    code: str,
    cluster_members: Sequence[str],
    lang: str = "th",
    how: str = "mean",
) -> pd.DataFrame:
    """Long frame (period_end, label, series, value) of a province, its cluster and the country.

    values: Store.kpi_item_values rows of one item (province_code, period_end,
    value_sum, value_mean). Cluster and country are the mean over their provinces,
    so the three lines share one scale.
    """
    column = "value_sum" if how == "sum" else "value_mean"
    v = values[["province_code", "period_end", column]].rename(columns={column: "value"})
    names = {k: pick(t, lang) for k, t in TREND_SERIES.items()}
    parts = [v.loc[v["province_code"] == code].assign(series=names["province"])]
    if cluster_members:
        inside = v.loc[v["province_code"].isin(list(cluster_members))]
        parts.append(
            inside.groupby("period_end", as_index=False)["value"]
            .mean()
            .assign(series=names["cluster"])
        )
    parts.append(
        v.groupby("period_end", as_index=False)["value"].mean().assign(series=names["country"])
    )
    out = pd.concat(parts, ignore_index=True)[["period_end", "series", "value"]]
    out["period_end"] = pd.to_datetime(out["period_end"])
    out["label"] = [
        tc.thai_period_label(tc.period_of(d.date(), frequency), frequency, lang)
        for d in out["period_end"]
    ]
    return out.sort_values(["series", "period_end"], ignore_index=True)


def trend_chart(trend: pd.DataFrame, unit: str):
    """A line per series of `trend_frame`, with the periods' Thai labels on the axis."""
    import plotly.express as px

    labels = {"period_end": "", "value": unit, "series": ""}
    fig = px.line(
        trend, x="period_end", y="value", color="series", custom_data=["label"], labels=labels
    )
    fig.update_traces(hovertemplate="%{customdata[0]}: %{y:,.2f}")
    ticks = trend.drop_duplicates("period_end")
    fig.update_xaxes(tickvals=ticks["period_end"], ticktext=ticks["label"], nticks=12)
    fig.update_layout(font_family="Sarabun", height=380, margin={"t": 10})
    return fig


def districts_table(
    districts: pd.DataFrame, latest: pd.DataFrame, catalog: pd.DataFrame, lang: str = "th"
) -> pd.DataFrame:
    """One row per district of a province with the latest value of each district item."""
    name = pick_column("name", lang)
    code_h, name_h = pick(DISTRICT_HEADERS["code"], lang), pick(DISTRICT_HEADERS["name"], lang)
    base = districts[["code", name]].rename(columns={"code": code_h, name: name_h})
    labels = catalog.set_index("code")[name]
    latest = latest.loc[latest["item_code"].isin(set(labels.index))] if not latest.empty else latest
    if latest.empty:
        return base.reset_index(drop=True)
    wide = latest.pivot_table(
        index="area_code", columns="item_code", values="value", aggfunc="first"
    )
    wide.columns = [f"{labels.get(c, c)}" for c in wide.columns]
    return base.merge(wide, left_on=code_h, right_index=True, how="left").reset_index(drop=True)
