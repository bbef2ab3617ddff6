"""The cockpit's plotly charts: a KPI's trend, data groups and peers (Thai font, Thai labels).

Every axis grows its margin to fit its tick labels and title (automargin): with
Streamlit's theme off, plotly.js would otherwise clip them to a character or
two ("0" for "100", the last letter of a province's name).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from lib.core import thaicalendar as tc
from lib.core.i18n import Text, pick, pick_column
from lib.engine.scoring import format_score
from lib.views.cockpit.query import round_label
from lib.views.labels import HEALTH_COLUMNS, HEALTH_LABELS

FONT = "Sarabun, sans-serif"
LIGHT_COLOURS = {"green": "#1a9850", "amber": "#f0a202", "red": "#d73027"}
NO_LIGHT = "#9e9e9e"


def light_colour(light: object) -> str:
    """The colour of a traffic light ('green', 'amber', 'red'); grey for none."""
    return LIGHT_COLOURS.get(light, NO_LIGHT)  # type: ignore[arg-type]


def _layout(fig: go.Figure, dark: bool, height: int, **kw) -> go.Figure:
    ink = "#f2f2f2" if dark else "#262730"
    grid = "#3a3f4b" if dark else "#e6e6e6"
    fig.update_layout(
        font={"family": FONT, "color": ink, "size": 18 if dark else 13},
        separators=".,",
        height=height,
        margin=kw.pop("margin", {"l": 8, "r": 8, "t": 30, "b": 8, "pad": 4}),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        showlegend=kw.pop("showlegend", False),
        **kw,
    )
    fig.update_xaxes(gridcolor=grid, zerolinecolor=grid, automargin=True, title_standoff=18)
    fig.update_yaxes(gridcolor=grid, zerolinecolor=grid, automargin=True, title_standoff=8)
    return fig


def _round_labels(trend: pd.DataFrame, lang: str) -> list[str]:
    return [
        round_label(f, r, lang)
        for f, r in zip(trend["fiscal_year"], trend["round_months"], strict=True)
    ]


def trend_figure(trend: pd.DataFrame, kpi_row: Mapping, lang: str = "th", dark: bool = False):
    """A KPI's result over the history rounds, with its thresholds T1..T5 as dashed lines."""
    unit = kpi_row.get(pick_column("unit", lang)) or ""
    fig = go.Figure(
        go.Scatter(
            x=_round_labels(trend, lang),
            y=trend["result"],
            mode="lines+markers",
            marker={"color": [light_colour(x) for x in trend["light"]], "size": 10},
            line={"color": "#5b6b7f"},
            hovertemplate=f"%{{x}}: %{{y:,.2f}} {unit}<extra></extra>",
            name=pick(Text("ผลการดำเนินงาน", "result"), lang),
        )
    )
    for i in range(1, 6):
        t = kpi_row.get(f"t{i}")
        if t is not None and not pd.isna(t):
            fig.add_hline(
                y=float(t),
                line_dash="dot",
                line_color="#999",
                annotation_text=f"{pick(Text('ระดับ', 'level'), lang)} {i}",
                annotation_font_size=11,
            )
    _layout(
        fig,
        dark,
        320,
        xaxis_title=pick(Text("ปีงบประมาณ/รอบ (พ.ศ.)", "fiscal year/round (B.E.)"), lang),
        yaxis_title=unit,
        margin={"l": 8, "r": 70, "t": 20, "b": 8, "pad": 4},
    )
    fig.update_xaxes(type="category", tickangle=0)
    fig.update_yaxes(separatethousands=True, nticks=6)
    return fig


def groups_figure(groups: pd.DataFrame, lang: str = "th", dark: bool = False) -> go.Figure:
    """The 4 data groups as rows of bars: complete, correct, timely, correct-and-timely %."""
    names = groups[pick_column("group_name", lang)].fillna(groups["group_name_th"])
    palette = ("#4e79a7", "#59a14f", "#f28e2b", "#b07aa1")
    fig = go.Figure(
        [
            go.Bar(
                y=names,
                x=groups[c],
                orientation="h",
                name=pick(HEALTH_LABELS[c], lang),
                marker_color=colour,
                text=[tc.format_pct(v, 1) for v in groups[c]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
            )
            for c, colour in zip(HEALTH_COLUMNS, palette, strict=True)
        ]
    )
    for bar in (80, 90, 100):
        fig.add_vline(x=bar, line_dash="dot", line_color="#999")
    _layout(
        fig,
        dark,
        110 * max(len(groups), 1) + 110,
        showlegend=True,
        barmode="group",
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"l": 8, "r": 48, "t": 40, "b": 8, "pad": 4},
    )
    fig.update_xaxes(
        range=[0, 105],
        dtick=20,
        ticksuffix="%",
        title_text=pick(Text("ร้อยละของข้อมูลที่ต้องส่ง", "% of the data due"), lang),
    )
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def peers_figure(bars: pd.DataFrame, lang: str = "th", dark: bool = False) -> go.Figure:
    """Composite scores of the peers, the scope outlined; coloured by light."""
    outline = ["#111" if s else "rgba(0,0,0,0)" for s in bars["is_scope"]]
    fig = go.Figure(
        go.Bar(
            x=bars["composite"],
            y=bars[pick_column("area_name", lang)],
            orientation="h",
            marker={
                "color": [light_colour(x) for x in bars["composite_light"]],
                "line": {"color": outline, "width": 3},
            },
            text=[format_score(v) for v in bars["composite"]],
            textposition="outside",
            hovertemplate="%{y}: %{x:.4f}<extra></extra>",
        )
    )
    _layout(fig, dark, max(180, 34 * len(bars) + 80), margin={"l": 8, "r": 16, "t": 8, "b": 8})
    fig.update_xaxes(
        range=[0, 5.6], dtick=1, title_text=pick(Text("คะแนนรวม (1-5)", "composite (1-5)"), lang)
    )
    fig.update_yaxes(autorange="reversed", type="category")
    return fig
