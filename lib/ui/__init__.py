"""The one part of lib/ that imports Streamlit: store handle, caches, language, widgets.

Pages call `from lib import ui` and these helpers with lib's pure functions;
nothing else in lib/ may import streamlit (a test enforces it). The modules:
core (store, language), maps (home, map, profile), warroom (cockpit), access
(sign-in, menu, rights, backup worker), upload (templates, preview, verify),
admin (accounts, audit log, backups).
"""

from lib.ui.access import (  # noqa: F401
    SESSION_SEEN,
    SESSION_USER,
    allowed_pages,
    current_user,
    menu,
    navigation_pages,
    page_path,
    password_form,
    require_page,
    sign_in_form,
    sign_out,
    start_backup_worker,
)
from lib.ui.admin import (  # noqa: F401
    audit_admin,
    backups_admin,
    users_admin,
)
from lib.ui.core import (  # noqa: F401
    LANGS,
    client_origin,
    data_version,
    fmt_int,
    lang,
    language_switch,
    name_col,
    store,
    t,
)
from lib.ui.maps import (  # noqa: F401
    breadcrumb_links,
    coverage_cells,
    district_map,
    district_shapes,
    district_upload,
    draw_legend,
    figure_key,
    figures_as_of,
    group_shapes,
    item_series,
    kpi_scores,
    load_summary,
    map_controls,
    map_figures,
    map_item_periods,
    map_layers,
    map_link_params,
    map_reference,
    offline_map,
    province_density,
    province_shapes,
    province_shapes_detail,
    show_map,
)
from lib.ui.upload import (  # noqa: F401
    batch_history,
    catalog,
    commit_controls,
    commit_preview,
    item_label,
    show_preview,
    template_downloads,
    upload_preview,
    verify_batch,
    visible_catalog,
    visible_kpis,
)
from lib.ui.warroom import (  # noqa: F401
    cockpit_areas,
    cockpit_controls,
    cockpit_detail,
    cockpit_exceptions,
    cockpit_header,
    cockpit_health,
    cockpit_peers,
    cockpit_query,
    cockpit_round,
    cockpit_run,
    cockpit_shortcut,
    cockpit_style,
    cockpit_tick,
    cockpit_tiles,
    cockpit_view,
    plot,
    wall_mode,
)
