"""The Upload page's mapping step: a file's first rows, a role per column, sheets, period rule.

lib.ingest.read_upload recognises what it can and describes every column of
the header row it used (UploadResult.columns: position, label, role,
recognised, samples). The page shows them with a role picker each, pre-filled
from what was recognised; an unknown column is a question, not an error. A
changed role, sheet choice or period rule is kept in the session (widget
callbacks run before the page), so the same run re-reads the file with the
Layout they make (`chosen_layout`). Which layout matches a file, and what a
role means, is lib's (lib.ingest.layout, lib.services.layouts).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core import labels
from lib.ingest.layout import PERIOD_RULES, ROLES, Layout
from lib.store import Store
from lib.ui.core import data_version, done, lang, message, show_flash, t, table

MAPPING = (
    "upload_mapping"  # {"key": checksum, "columns", "sheets", "all_sheets", "period_rule", ...}
)
QUESTION = "คอลัมน์นี้คืออะไร?"


def _fresh(digest: str) -> dict:
    """The reading choices of a file nobody has mapped yet: lib decides everything."""
    return {
        "key": digest,
        "columns": {},  # header text -> role, as the user set them
        "sheets": [],
        "all_sheets": False,
        "period_rule": "",
        "use_saved": True,  # match the agency's saved layouts by the file's header
        "forced": "",  # a saved layout chosen by name (import --layout NAME)
    }


def mapping_state(digest: str) -> dict:
    """The session's reading choices for the file with this checksum (fresh for a new file)."""
    state = st.session_state.get(MAPPING)
    if state is None or state["key"] != digest:
        state = _fresh(digest)
        st.session_state[MAPPING] = state
    return state


def forget_mapping() -> None:
    """No file: forget its reading choices."""
    st.session_state.pop(MAPPING, None)


def chosen_layout(s: Store, user, digest: str) -> tuple[Layout | None, tuple[Layout, ...]]:
    """(the layout the user made, or None; the saved layouts lib may match) for the file.

    The saved layouts are the account's agency's (lib.services.layouts.for_upload),
    none when the user chose to read the file without them.
    """
    from lib.services import layouts

    state = mapping_state(digest)
    saved = tuple(layouts.for_upload(s, user)) if state["use_saved"] else ()
    forced = next((x for x in saved if x.name == state["forced"]), None)
    layout = layouts.compose(
        forced,
        columns=state["columns"].items(),
        sheets=state["sheets"],
        all_sheets=state["all_sheets"],
        period_rule=state["period_rule"],
    )
    return layout, saved


def _prefix(digest: str) -> str:
    """Widget keys of one file's mapping step (a new file starts with fresh pickers)."""
    return f"map_{digest[:12]}"


def _clear_pickers(prefix: str) -> None:
    """Drop the role pickers' values, so they are pre-filled again from the next reading."""
    for key in [k for k in st.session_state if str(k).startswith(f"{prefix}_role_")]:
        del st.session_state[key]


@st.cache_data(max_entries=8, show_spinner=False)
def _item_names(_s: Store, version: str, language: str) -> dict:
    """Item code -> name in the language."""
    from lib.core.i18n import pick_column

    cat = _s.catalog()
    return dict(zip(cat["code"], cat[pick_column("name", language)], strict=True))


def loadable_items(s: Store, user) -> list[str]:
    """Codes of the items the account may load values into (auth.can "upload"); else all.

    An account that may load none (an administrator) still reads a file's
    columns with every item offered; the commit is refused by lib.
    """
    from lib.services import auth, catalogue

    cat = s.catalog()
    index = auth.load_area_index(s) if user is not None and user.area_code else None
    return catalogue.loadable_items(cat, user, index) or cat["code"].tolist()


def role_options(s: Store, user, current: list[str | None]) -> list[str]:
    """Every role a column may be given: ROLES, a value column per loadable item, and any role
    the reading gave that is not among them."""
    items = [f"item:{code}" for code in loadable_items(s, user)]
    where = ROLES.index("value") + 1
    options = [*ROLES[:where], *items, *ROLES[where:]]
    return options + [r for r in dict.fromkeys(current) if r and r not in options]


def _state_of(prefix: str) -> dict | None:
    """The reading choices of the file whose widgets have this prefix, None when it left the box.

    A browser puts a new file in the box with two reruns, the first without a
    file (forget_mapping); when the server is busy, the second can still carry
    the old file's picker values, and their callbacks run with no mapping, or
    another file's: those values are late and change nothing.
    """
    state = st.session_state.get(MAPPING)
    return state if state is not None and _prefix(state["key"]) == prefix else None


def _roles_changed(prefix: str, headers: dict[int, str]) -> None:
    """A role picker changed: keep every column's role; the run re-reads the file with them."""
    state = _state_of(prefix)
    if state is None:
        return
    roles = {pos: st.session_state.get(f"{prefix}_role_{pos}") for pos in headers}
    state["columns"] = {headers[pos]: role for pos, role in roles.items() if role}


def _sheets_changed(prefix: str) -> None:
    """The sheet choice or period rule changed: keep it for the re-reading."""
    state = _state_of(prefix)
    if state is None:
        return
    state["all_sheets"] = bool(st.session_state.get(f"{prefix}_all"))
    chosen = [] if state["all_sheets"] else st.session_state.get(f"{prefix}_sheets")
    state["sheets"] = list(chosen or [])
    state["period_rule"] = st.session_state.get(f"{prefix}_rule") or ""


def _force_saved(prefix: str) -> None:
    """Read the file with the saved layout picked by name ('' = whichever matches)."""
    state = _state_of(prefix)
    if state is None:
        return
    state.update(columns={}, forced=st.session_state.get(f"{prefix}_forced") or "")
    _clear_pickers(prefix)


def forced_picker(s: Store, user, prefix: str) -> None:
    """A saved layout of the agency to read the file with, by name (default: the one whose
    header the file holds); shown when the agency has saved layouts."""
    from lib.services import layouts

    names = [x.name for x in layouts.for_upload(s, user)]
    if not names:
        return
    automatic = t("ตามหัวตารางของไฟล์ (อัตโนมัติ)", "By the file's header (automatic)")
    st.selectbox(
        t("อ่านด้วยรูปแบบไฟล์ที่บันทึกไว้", "Read with a saved layout"),
        ["", *names],
        format_func=lambda name: name or automatic,
        key=f"{prefix}_forced",
        on_change=_force_saved,
        args=(prefix,),
    )


def _without_saved(prefix: str) -> None:
    """Read the file without the saved layouts (and without roles set under them)."""
    state = _state_of(prefix)
    if state is None:
        return
    state.update(columns={}, use_saved=False, forced="")
    _clear_pickers(prefix)


def sheet_step(preview) -> None:
    """Several sheets: which to read (or all) and where each sheet's period comes from."""
    result = preview.result
    state = st.session_state[MAPPING]
    prefix = _prefix(state["key"])
    if len(result.sheets) > 1:
        st.session_state.setdefault(f"{prefix}_sheets", list(result.sheets_read))
        c1, c2 = st.columns([3, 1])
        c1.multiselect(
            t("ชีตที่อ่าน", "Sheets to read"),
            list(result.sheets),
            key=f"{prefix}_sheets",
            disabled=state["all_sheets"],
            on_change=_sheets_changed,
            args=(prefix,),
        )
        c2.checkbox(
            t("อ่านทุกชีต", "Every sheet"),
            key=f"{prefix}_all",
            on_change=_sheets_changed,
            args=(prefix,),
        )
    st.selectbox(
        t("งวดของข้อมูลอ่านจาก", "The period is read from"),
        list(PERIOD_RULES),
        format_func=lambda rule: labels.cell_label("period_rule", rule, lang()),
        key=f"{prefix}_rule",
        on_change=_sheets_changed,
        args=(prefix,),
    )


def first_rows(columns: list[dict]) -> pd.DataFrame:
    """The file's first rows as a spreadsheet shows them: columns A, B, ..., the header first.

    >>> first_rows([{"position": 0, "label": "จังหวัด", "samples": ["ระยอง"]},
    ...             {"position": 1, "label": "", "samples": ["64", "65"]}]).to_dict("list")
    {'A': ['จังหวัด', 'ระยอง', ''], 'B': ['', '64', '65']}
    """
    frame = {
        _letter(col["position"]): [str(col.get("label") or "")]
        + [str(v) for v in col.get("samples") or []]
        for col in columns
    }
    depth = max(len(v) for v in frame.values())
    return pd.DataFrame({k: v + [""] * (depth - len(v)) for k, v in frame.items()})


def _letter(position: int) -> str:
    """Excel's column letter of a 0-based position (0 -> A, 27 -> AB)."""
    n, text = int(position) + 1, ""
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(65 + rest) + text
    return text


def mapping_step(s: Store, user, preview) -> None:
    """The file's first rows and a role picker per column; the saved layout used; save this one."""
    result = preview.result
    state = st.session_state[MAPPING]
    prefix = _prefix(state["key"])
    unknown = [c for c in result.columns if not c.get("role")]
    show_flash("mapping")
    if state["use_saved"]:
        forced_picker(s, user, prefix)
    if result.layout_name:
        st.info(
            t(
                f"อ่านตามรูปแบบที่บันทึกไว้: {result.layout_name}",
                f"Read with the saved layout: {result.layout_name}",
            )
        )
        st.button(
            t("อ่านโดยไม่ใช้รูปแบบนี้", "Read without this layout"),
            on_click=_without_saved,
            args=(prefix,),
        )
    title = t("ตรวจคอลัมน์ของไฟล์", "The file's columns")
    with st.expander(title, expanded=bool(unknown or result.errors)):
        if not result.columns:
            st.caption(t("ไม่พบคอลัมน์ในไฟล์", "No columns found in the file"))
            return
        st.caption(t("แถวแรกของไฟล์", "The file's first rows"))
        table(first_rows(result.columns), key=f"{prefix}_rows")
        if unknown:
            names = ", ".join(str(c.get("label") or _letter(c["position"])) for c in unknown)
            st.info(
                t(
                    f"{QUESTION} ระบบไม่รู้จักคอลัมน์ {names} เลือกว่าแต่ละคอลัมน์คืออะไร หรือ 'ไม่ใช้'",
                    f"What is this column? {names}: not recognised; choose a role or 'Not used'",
                )
            )
        role_pickers(s, user, result.columns, prefix)
        sheet_step(preview)
        save_layout_box(s, user, result)


def role_pickers(s: Store, user, columns: list[dict], prefix: str) -> None:
    """One selectbox per column, pre-filled with the recognised role (none: the question)."""
    names = _item_names(s, data_version(s), lang())
    options = role_options(s, user, [c.get("role") for c in columns])
    headers = {int(c["position"]): str(c.get("label") or "") for c in columns}
    grid = st.columns(3)
    for n, col in enumerate(columns):
        key = f"{prefix}_role_{int(col['position'])}"
        if key not in st.session_state:
            st.session_state[key] = col.get("role") or None
        label = str(col.get("label") or "") or t("(ไม่มีหัวคอลัมน์)", "(no header)")
        grid[n % 3].selectbox(
            f"{_letter(col['position'])}. {label}",
            options,
            format_func=lambda role: labels.column_role_label(role, lang(), names),
            placeholder=t(QUESTION, "What is this column?"),
            key=key,
            on_change=_roles_changed,
            args=(prefix, headers),
        )


def layout_of(result, state: dict) -> Layout:
    """The layout the file was just read with (lib.services.layouts.from_result)."""
    from lib.services import layouts

    chosen = Layout(
        sheets=tuple(state["sheets"]),
        all_sheets=state["all_sheets"],
        period_rule=state["period_rule"],
    )
    return layouts.from_result(result, chosen)


def save_layout_box(s: Store, user, result) -> None:
    """A name and a button: keep this file's layout for the agency (lib.services.layouts.save).

    The next file with the same header is read with it; this one is re-read
    with it at once, so the page names the layout it used.
    """
    from lib.services import auth, layouts

    state = st.session_state[MAPPING]
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    name = c1.text_input(
        t("ชื่อรูปแบบไฟล์", "Layout name"),
        value=result.layout_name or "",
        key=f"{_prefix(state['key'])}_layout_name",
    )
    if not c2.button(t("บันทึกรูปแบบไฟล์นี้", "Save this file's layout")):
        return
    try:
        layouts.save(s, user, name.strip(), layout_of(result, state))
    except (auth.PermissionDenied, ValueError) as exc:  # InputError: an empty or bad name
        st.error(message(exc))
        return
    state.update(columns={}, sheets=[], all_sheets=False, period_rule="", use_saved=True)
    done("mapping", "success", t(f"บันทึกรูปแบบ {name.strip()} แล้ว", f"Layout {name.strip()} saved"))
