"""The governor's cockpit and its wall mode: cached rounds, controls, tiles, CSS."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pandas as pd
import streamlit as st

from lib.core import thaicalendar as tc
from lib.core.i18n import pick_column
from lib.core.markdown import escape_markdown
from lib.core.settings import DEFAULT_CLUSTER_SCHEME, DEFAULT_REGION_SCHEME
from lib.engine import methods
from lib.engine.scoring import format_score
from lib.store import Store
from lib.ui.access import current_user, viewer_scopes
from lib.ui.core import data_version, figures_as_of, lang, name_col, store, t
from lib.ui.core import table as table_of
from lib.ui.kept import shown
from lib.ui.maps import STORE_KEY
from lib.ui.past import AS_OF_KEYS, as_of_picker, view_as_of
from lib.ui.viewer import as_viewer_sees
from lib.views.cockpit import charts, figures, kept, query, style, then_now, tiles, wall
from lib.views.labels import HEALTH_COLUMNS, HEALTH_LABELS, LEVEL_LABELS


# -- cockpit ---
def wall_mode() -> bool:
    """True when the URL asks for the war-room wall (?wall=1): no menu, dark, large type."""
    return str(st.query_params.get("wall", "")).lower() in ("1", "true", "yes", "on")


# Cached by store path (STORE_KEY), data version and arguments: a commit changes the
# version of its store, so these refresh without any global clear.
@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=STORE_KEY)
def cockpit_areas(s: Store, version: str) -> pd.DataFrame:
    """Areas a cockpit scope may be (country, regions, clusters, provinces)."""
    return query.scope_table(s.areas())


def cockpit_round(s: Store, version: str, fy: int, rnd: int, as_of, cs: str, rs: str, full=True):
    """lib.views.cockpit.figures.load_round_figures of a round (every level), kept once for
    every session and recomputed right after the data changes (lib.views.cockpit.kept)."""
    return kept.round_figures(s, figures_as_of(s), fy, rnd, as_of, cs, rs, full)


def cockpit_view(s: Store, version: str, scope_code: str, fy: int, rnd: int, as_of, note=True):
    """The cockpit of one scope and round (lib's one assembly), kept like cockpit_round; while
    the server recomputes it after a commit, the one before with a note (note=False: none,
    the wall refreshes itself). A view kept at the run's `version` is served without asking
    the store again (lib.views.fresh.Keeper.serve's seen)."""
    today = figures_as_of(s)
    args = (s, today, scope_code, fy, rnd, as_of)
    return shown(lambda wait: kept.served_view(*args, wait, seen=version), note)


@as_viewer_sees
def round_scores(s: Store, version: str, level: str, fy: int, rnd: int, as_of, cs: str, rs: str):
    """A level's KPI scores of a round (lib.engine.kpi.RESULT_COLUMNS) from the cockpit's kept
    round, so the profile shows the cockpit's and the map's figures (quality flags included);
    while the server recomputes the round after a commit, the one before with a note."""
    today = figures_as_of(s)
    args = (s, today, fy, rnd, as_of, cs, rs)
    return shown(lambda wait: kept.served_round(*args, wait, seen=version)).level_scores(level)


def cockpit_query(s: Store, version: str):
    """The view the URL asks for (lib.views.cockpit.query.CockpitQuery); no scope: own area.

    Its day is lib.ui.past's (the URL's as_of or asof); a refused one is among its problems.
    """
    today = figures_as_of(s)
    user = current_user(s)
    problems: list = []
    as_of, _ = view_as_of(s, user, problems=problems, picker=False)
    params = {k: v for k, v in st.query_params.to_dict().items() if k not in AS_OF_KEYS}
    if as_of != today:
        params["asof"] = as_of.isoformat()
    areas = cockpit_areas(s, version)
    home = getattr(user, "area_code", None)
    shown = viewer_scopes(user)  # a display link: its own scopes, in turn on the wall
    if shown and not params.get("cycle"):
        params["cycle"] = ",".join(shown)
    if shown and "scope" not in params:
        params["scope"] = shown[0]
    if "scope" not in params and home in set(areas["code"]):
        params["scope"] = home  # a signed-in officer lands on their own province
    q = query.parse_query(params, areas, today, default_scope=s.scope())
    return replace(q, problems=(*problems, *q.problems))


def _url_bound(key: str, url_value) -> None:
    """Give a widget the URL's value when the URL changed since the widget last wrote it."""
    mark = f"_{key}_url"
    if key not in st.session_state or st.session_state.get(mark) != url_value:
        st.session_state[key] = url_value
    st.session_state[mark] = url_value


def cockpit_controls(s: Store, version: str, q):
    """Sidebar scope, fiscal year and round pickers; the choice is written to the URL."""
    areas = cockpit_areas(s, version)
    cs, rs = figures.load_schemes(s, q.scope, q.fiscal_year, q.round_months, q.as_of)
    options = query.scope_options(areas, cs, rs)
    if q.scope.code not in set(options["code"]):
        options = pd.concat([areas.loc[areas["code"] == q.scope.code], options])
    labels = {r["code"]: query.option_label(r, lang()) for r in options.to_dict("records")}
    sb = st.sidebar
    sb.subheader(t("ห้องบัญชาการ", "Cockpit"))
    _url_bound("cockpit_scope", q.scope.code)
    code = sb.selectbox(
        t("พื้นที่ (ประเทศ ภาค กลุ่มจังหวัด จังหวัด)", "Scope (country, region, cluster, province)"),
        list(labels),
        format_func=labels.get,
        key="cockpit_scope",
    )
    years = query.fiscal_year_choices(q.as_of)
    if q.fiscal_year not in years:
        years.append(q.fiscal_year)
    _url_bound("cockpit_fy", q.fiscal_year)
    fy = sb.selectbox(t("ปีงบประมาณ (พ.ศ.)", "Fiscal year (B.E.)"), years, key="cockpit_fy")
    _url_bound("cockpit_round", q.round_months)
    months = t("{} เดือน", "{} months")  # bound now: the format runs after the script too
    rnd = sb.radio(
        t("รอบการประเมิน", "Round"),
        list(query.ROUNDS),
        format_func=months.format,
        horizontal=True,
        key="cockpit_round",
    )
    scope = q.scope if code == q.scope.code else query.parse_scope(code, areas)
    new = replace(q, scope=scope, fiscal_year=int(fy), round_months=int(rnd))
    wanted = query.encode_query(new)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    for key, value in (("cockpit_scope", code), ("cockpit_fy", fy), ("cockpit_round", rnd)):
        st.session_state[f"_{key}_url"] = value
    # the cockpit as known on an earlier day: a new day opens that day's latest round
    as_of_picker(q.as_of, figures_as_of(s), drop=("fy", "round"))
    return new


def wall_screen(q) -> wall.WallScreen:
    """The screen this refresh of the wall shows: the next page of tiles, else the next scope."""
    last = st.session_state.get("cockpit_wall_last")  # (screen, pages, scopes) shown last
    if last is None or last[2] != q.scopes():
        return wall.first_screen(q)
    return wall.next_screen(q, last[0], last[1])


def cockpit_wall(s: Store, q) -> None:
    """One screen of the wall: the scope and page after the last one, fitted to the window."""
    screen = wall_screen(q)
    scope = wall.screen_scope(q, screen)
    version = data_version(s)  # a committed batch changes it: caches drop
    try:
        view = cockpit_view(s, version, scope.code, q.fiscal_year, q.round_months, q.as_of, False)
    except ValueError as exc:
        st.error(t(f"แสดงผลไม่ได้: {exc}", f"Cannot show this view: {exc}"))
        st.session_state["cockpit_wall_last"] = (screen, 1, q.scopes())
        return
    now = datetime.now().strftime("%H:%M:%S")
    with st.container(key="cockpit_wall"):
        st.markdown(wall.wall_html(view, q, screen, now, lang()), unsafe_allow_html=True)
    st.session_state["cockpit_wall_last"] = (screen, wall.tile_pages(len(view.tiles)), q.scopes())


def cockpit_problems(q) -> None:
    """What the URL asked for that cannot be shown, one line each (the wall shows them itself)."""
    if not q.wall:
        for problem in q.problems:
            st.warning(escape_markdown(t(*problem)))


def cockpit_run(body, q) -> None:
    """Run the cockpit body; on the wall as a fragment that reruns itself every refresh_s."""
    if q.wall:
        st.fragment(body, run_every=q.refresh_s)()
    else:
        body()


def cockpit_style(wall: bool) -> None:
    """The tiles' style, and on the wall: no sidebar or header, dark, large type (no URL)."""
    st.markdown(style.COCKPIT_CSS + (style.WALL_CSS if wall else ""), unsafe_allow_html=True)


def plot(fig, key: str) -> None:
    """A plotly figure, drawn by the bundled plotly.js with the figure's own (Thai) font."""
    st.plotly_chart(fig, theme=None, key=key, config={"displayModeBar": False, "responsive": True})


def cockpit_shortcut(page) -> None:
    """On the start page: pick a province (or any scope) and land on its cockpit (2 clicks)."""
    s = store()
    areas = cockpit_areas(s, data_version(s))
    options = query.scope_options(areas, DEFAULT_CLUSTER_SCHEME, DEFAULT_REGION_SCHEME)
    options = options.assign(_p=options["level"] != "province").sort_values(["_p", "name_th"])
    labels = {r["code"]: query.option_label(r, lang()) for r in options.to_dict("records")}

    target = st.sidebar.selectbox(
        t("ห้องบัญชาการของ", "Cockpit of"),
        list(labels),
        index=None,
        format_func=labels.get,
        placeholder=t("เลือกจังหวัดหรือพื้นที่…", "Choose a province or area…"),
        key="cockpit_jump",
    )
    if target:  # the widget is not drawn on the cockpit, so its state is gone on return
        params = {"scope": target, **({"lang": "en"} if lang() == "en" else {})}
        st.switch_page(page, query_params=params)


def cockpit_header(view) -> None:
    """Title, round, as-of date and the composite score with its light."""

    language = lang()
    st.title(t("ห้องบัญชาการ: ", "Cockpit: ") + view.scope.label(language))
    light = tiles.light_label(view.composite_light, language)
    colour = charts.light_colour(view.composite_light)
    left, right = st.columns([1, 3])
    left.metric(t("คะแนนรวมถ่วงน้ำหนัก", "Composite score"), format_score(view.composite))
    marker = f'<span style="color:{colour};font-size:1.3rem">● {light}</span>'
    left.markdown(marker, unsafe_allow_html=True)
    with right.container(key="cockpit_status"):
        st.markdown(
            f"**{query.round_title(view.fiscal_year, view.round_months, language)}** · "
            + t("ข้อมูล ณ ", "data as of ")
            + tc.thai_date(view.as_of, lang=language)
        )


def cockpit_exceptions(view, limit: int = 8) -> None:
    """What needs a decision now, most severe first; the rest behind an expander."""
    rows = view.exceptions(lang())
    with st.container(border=True, key="cockpit_exceptions"):
        st.subheader(t(f"ต้องตัดสินใจ ({len(rows)} เรื่อง)", f"Needs a decision ({len(rows)})"))
        if rows.empty:
            st.success(t("ไม่มีเรื่องเร่งด่วน", "Nothing urgent"))
            return
        lines = [tiles.exception_label(r, lang()) for r in rows.to_dict("records")]
        st.markdown("\n".join(f"- {x}" for x in lines[:limit]))
        if len(lines) > limit:
            with st.expander(t(f"อีก {len(lines) - limit} เรื่อง", f"{len(lines) - limit} more")):
                st.markdown("\n".join(f"- {x}" for x in lines[limit:]))


def cockpit_tiles(view, kpi: str | None = None, per_row: int = 4) -> None:
    """KPI tiles: value, target, score, weighted score, light, sparkline; a button opens it.

    The open KPI's detail (kpi) opens as a panel over the page, where the user is.
    """
    language = lang()
    rows = view.tiles.to_dict("records")
    with st.container(key="cockpit_tiles"):
        for start in range(0, len(rows), per_row):
            cols = st.columns(per_row)
            for col, row in zip(cols, rows[start : start + per_row], strict=False):
                code = row["kpi_code"]
                spark = view.made(
                    ("spark", code, language),
                    lambda code=code: tiles.sparkline_svg(view.trend_of(code), language),
                )
                col.markdown(tiles.tile_html(row, language, spark), unsafe_allow_html=True)
                if col.button(t("รายละเอียด", "Details"), key=f"open_{code}", width="stretch"):
                    st.query_params["kpi"] = code
                    st.rerun()
    if kpi:
        cockpit_detail(view, kpi)


def _close_detail() -> None:
    """The detail panel was closed (its ✕, Esc or a click outside): forget ?kpi."""
    if "kpi" in st.query_params:
        del st.query_params["kpi"]


def cockpit_detail(view, code: str) -> None:
    """A KPI's detail (?kpi=CODE) in a panel that opens over the page where the user is."""
    kpis = view.kpis.set_index("code")
    if code not in kpis.index:
        st.warning(escape_markdown(t(f"ไม่พบตัวชี้วัด {code}", f"No KPI {code}")))
        return
    k = kpis.loc[code]
    title = escape_markdown(f"{code} {k[name_col()]}")

    @st.dialog(title, width="large", on_dismiss=_close_detail)
    def panel() -> None:
        with st.container(key="cockpit_detail"):
            _detail_body(view, code, k)

    panel()


def _detail_body(view, code: str, k: pd.Series) -> None:
    """A KPI's definition, thresholds, trend and how each member area scores."""
    language = lang()
    text = k.get(pick_column("description", language))
    if isinstance(text, str) and text:
        st.write(escape_markdown(text))
    unit = k.get(pick_column("unit", language)) or ""
    method = t(*methods.METHOD_LABELS[k["method"]])
    higher = bool(k["higher_is_better"])
    better = t("มากดี", "higher is better") if higher else t("น้อยดี", "lower is better")
    st.markdown(
        f"{t('น้ำหนัก', 'Weight')} {tc.format_number_th(k['weight_pct'], 0)}% · "
        f"{t('วิธีให้คะแนน', 'Scoring')}: {method} ({better}) · "
        f"{t('เป้าหมาย', 'Target')} {tc.format_number_th(k['target'], 2)} "
        f"{escape_markdown(unit)} · {t('รอบ', 'Rounds')} {k.get('rounds') or '-'} · "
        f"{t('ผู้จัดเก็บข้อมูล', 'Data collectors')}: "
        f"{escape_markdown(k.get('data_collectors') or '-')}"
    )
    if k["method"] != methods.MILESTONE:
        levels = {
            f"{t('ระดับ', 'Level')} {i}": [tc.format_number_th(k[f"t{i}"], 2)] for i in range(1, 6)
        }
        st.dataframe(pd.DataFrame(levels), hide_index=True)
    trend = view.trends.loc[view.trends["kpi_code"] == code]
    plot(charts.trend_figure(trend, k.to_dict(), language), f"trend_{code}")
    members = view.members.loc[view.members["kpi_code"] == code]
    table = pd.DataFrame(
        {
            t("พื้นที่", "Area"): members[pick_column("area_name", language)],
            t("ผล", "Result"): [tc.format_number_th(v, 2) for v in members["result"]],
            t("คะแนน", "Score"): members["score"].map(format_score),
            t("สัญญาณไฟ", "Light"): [tiles.light_label(x, language) for x in members["light"]],
            t("ข้อมูลน่าเชื่อถือ", "Reliable"): members["reliable"],
        }
    )
    st.dataframe(table, hide_index=True)
    if st.button(t("ปิด", "Close"), key="close_detail"):
        _close_detail()
        st.rerun()


def cockpit_health(view, store=None) -> None:
    """Data health of the scope, the 4 data groups side by side and the weakest members;
    with the store, a warning naming the integration feeds that fail or are late."""
    from lib.ui.feeds import feed_health_line

    language, h = lang(), view.health
    st.subheader(t("คุณภาพข้อมูล (ตัวชี้วัด มท. 4.4)", "Data health (MOI KPI 4.4)"))
    if store is not None:
        feed_health_line(store)
    cols = st.container(key="cockpit_metrics").columns(5)
    for col, column in zip(cols, HEALTH_COLUMNS, strict=False):
        col.metric(t(*HEALTH_LABELS[column]), tc.format_pct(h.get(column), 1))
    cols[4].metric(t("ขั้นตอนที่ผ่าน", "Milestone step"), str(h.get("milestone_level", "-")))
    left, right = st.container(key="cockpit_health_row").columns([3, 2])
    with left:
        groups = view.made(
            ("groups", language), lambda: charts.groups_figure(view.groups, language)
        )
        plot(groups, "groups")
    with right:
        st.markdown(
            t(
                "**พื้นที่ที่อ่อนที่สุด** (ถูกต้องและทันเหตุการณ์)",
                "**Weakest member areas** (correct and timely)",
            )
        )
        w = view.weakest
        st.dataframe(
            pd.DataFrame(
                {
                    t("พื้นที่", "Area"): w[pick_column("area_name", language)],
                    t("ครบถ้วน", "Complete"): w["complete_pct"].map(tc.format_pct),
                    t("ทันเหตุการณ์", "Timely"): w["timely_pct"].map(tc.format_pct),
                    t("ถูกต้องและทันฯ", "Correct & timely"): w["correct_and_timely_pct"].map(
                        tc.format_pct
                    ),
                }
            ),
            hide_index=True,
        )


def cockpit_peers(view) -> None:
    """The scope beside its cluster, region and country, its rank, and its peers' scores."""
    language = lang()
    st.subheader(t("เทียบกับพื้นที่อื่น", "Compared with peers"))
    p = view.peers
    levels = [t(*LEVEL_LABELS[x]) for x in p["level"]]
    ranks = [
        "-" if pd.isna(r) else t(f"{int(r)} จาก {int(n)}", f"{int(r)} of {int(n)}")
        for r, n in zip(p["rank"], p["ranked"], strict=True)
    ]
    table = pd.DataFrame(
        {
            t("ระดับ", "Level"): levels,
            t("พื้นที่", "Area"): p[pick_column("area_name", language)],
            t("คะแนนรวม", "Composite"): p["composite"].map(format_score),
            t("สัญญาณไฟ", "Light"): [tiles.light_label(x, language) for x in p["composite_light"]],
            t("ถูกต้องและทันฯ", "Correct & timely"): p["correct_and_timely_pct"].map(tc.format_pct),
            t("อันดับ", "Rank"): ranks,
        }
    )
    left, right = st.container(key="cockpit_peers_row").columns([2, 3])
    left.dataframe(table, hide_index=True)
    with right:
        peers = view.made(
            ("peers", language), lambda: charts.peers_figure(view.peer_bars, language)
        )
        plot(peers, "peers")


# -- then and now (a view of the past beside today) ---
@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=STORE_KEY)
def _changes(s: Store, version: str, items: tuple, areas: tuple, then, now) -> pd.DataFrame:
    """lib.services.provenance.changes_between, cached per data version."""
    from lib.services import provenance

    return provenance.changes_between(s, list(items), list(areas), then, now)


def cockpit_then_now(s: Store, q, view) -> None:
    """A KPI as known on the view's day beside today, and the values that changed in between
    with the batches and files that changed them (shown when the cockpit shows the past)."""
    language, today, version = lang(), figures_as_of(s), data_version(s)
    codes = list(view.tiles["kpi_code"])
    if not codes or q.as_of >= today:
        return
    with st.container(border=True, key="cockpit_then_now"):
        st.subheader(t("ตอนนั้นกับวันนี้", "Then and now"))
        fy, rnd = q.fiscal_year, q.round_months
        try:
            now = cockpit_view(s, version, q.scope.code, fy, rnd, today)
        except ValueError as exc:
            st.info(t(f"แสดงตัวเลขวันนี้ไม่ได้: {exc}", f"Cannot show today's figures: {exc}"))
            return
        names = view.kpis.set_index("code")[name_col()]
        changed = then_now.changed_kpis(view.tiles, now.tiles)  # first: one that changed
        first = q.kpi if q.kpi in codes else next((c for c in changed if c in codes), codes[0])
        code = st.selectbox(
            t("ตัวชี้วัด (ที่ผลเปลี่ยน: ", "KPI (changed: ") + (", ".join(changed) or "-") + ")",
            codes,
            codes.index(first),
            lambda c: f"{c} {names.get(c, '')}",
            key="then_now_kpi",
        )
        table = then_now.kpi_then_now(view.tiles, now.tiles, code, q.as_of, today, language)
        st.dataframe(table, hide_index=True, key="then_now_kpi_table")
        cs, rs = figures.load_schemes(s, q.scope, fy, rnd, today)
        members = cockpit_round(s, version, fy, rnd, today, cs, rs, True).members
        areas, catalog = s.areas(), s.catalog()
        items = then_now.kpi_items(view.kpis, code)
        scope_areas = then_now.scope_areas(q.scope, members, areas)
        changes = _changes(s, version, tuple(items), tuple(scope_areas), q.as_of, today)
        if changes.empty:
            st.success(t("ค่าที่ใช้คำนวณไม่เปลี่ยนตั้งแต่วันนั้น", "No value under it changed since"))
            return
        n = len(changes)
        st.markdown(t(f"**ค่าที่เปลี่ยนระหว่างนั้น** ({n})", f"**Values changed since** ({n})"))
        shown = then_now.changes_table(
            changes,
            dict(zip(catalog["code"], catalog["frequency"], strict=True)),
            dict(zip(areas["code"], areas[name_col()], strict=True)),
            dict(zip(catalog["code"], catalog[name_col()], strict=True)),
            language,
        )
        table_of(shown, key="then_now_changes")  # file names are people's text: neutralised
