"""The one part of lib/ that imports Streamlit: store handle, caches, language, widgets.

Pages call `from lib import ui` and these helpers with lib's pure functions;
nothing else in lib/ may import streamlit (a test enforces it). The modules:
core (store, language), maps (home, map, profile), kept (figures kept for
every session), warroom (cockpit), access (sign-in, menu, rights, backup
worker), upload (templates, preview, commit,
batches), mapping (the upload's column roles, sheets and period rule), layouts
(saved file layouts), verify (the values a verifier judges), admin (accounts,
audit log, backups), feeds (the integration feeds' tab and the cockpit's line of
feeds in trouble), config (the configuration workbook on the administrator's
page; what an empty product's pages say to do next), displays (display links
for wall screens), server (the sign-in cookie's routes and the store's
start-up; st.App), past (the day a page describes: ?as_of=, the date picker,
the banner of a view of the past), explore (the catalogue list, an item's page, a
value's provenance), viewer (the store as the current viewer sees its values: the
public's verified values only), quality (the upload's data-quality warnings, the
follow-up list of flagged values on the Verify page), reports (the Reports page: make
a report and download it, the KPI form's narratives, the scheduled deliveries).
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
    require_scopes,
    sign_in_form,
    sign_out,
    start_backup_worker,
    viewer_scopes,
)
from lib.ui.admin import (  # noqa: F401
    audit_admin,
    backups_admin,
    users_admin,
)
from lib.ui.config import (  # noqa: F401
    config_admin,
    config_preview,
    empty_catalogue_notice,
)
from lib.ui.core import (  # noqa: F401
    LANGS,
    client_origin,
    data_version,
    done,
    flash,
    fmt_int,
    lang,
    language_switch,
    name_col,
    show_flash,
    show_table,
    store,
    t,
    table,
)
from lib.ui.displays import displays_admin  # noqa: F401
from lib.ui.explore import (  # noqa: F401
    explore_item,
    explore_list,
    explore_provenance,
    provenance_link,
)
from lib.ui.feeds import feed_health_line, feeds_admin  # noqa: F401
from lib.ui.kept import districts_table, profile_trend  # noqa: F401
from lib.ui.layouts import saved_layouts  # noqa: F401
from lib.ui.mapping import (  # noqa: F401
    chosen_layout,
    forget_mapping,
    mapping_step,
    sheet_step,
)
from lib.ui.maps import (  # noqa: F401
    breadcrumb_links,
    coverage_cells,
    district_attribution,
    district_map,
    district_shapes,
    district_upload,
    draw_legend,
    figure_key,
    group_shapes,
    has_districts,
    item_series,
    load_summary,
    map_controls,
    map_downloads,
    map_figures,
    map_item_periods,
    map_link_params,
    map_reference,
    map_view,
    offline_map,
    profile_link,
    province_density,
    province_shapes,
    province_shapes_detail,
    show_map,
)
from lib.ui.past import (  # noqa: F401
    as_of_link_params,
    as_of_picker,
    past_banner,
    url_as_of,
    view_as_of,
)
from lib.ui.quality import followup_section  # noqa: F401
from lib.ui.reports import (  # noqa: F401
    reports_controls,
    reports_make,
    reports_narratives,
    reports_schedules,
)
from lib.ui.upload import (  # noqa: F401
    batch_history,
    catalog,
    commit_controls,
    commit_preview,
    committed_batch,
    forget_upload,
    item_label,
    old_years_label,
    reading,
    show_preview,
    template_downloads,
    upload_preview,
    visible_catalog,
    visible_kpis,
)
from lib.ui.verify import (  # noqa: F401
    verify_batch,
    verify_section,
    verify_values,
)
from lib.ui.viewer import district_latest, seen_store  # noqa: F401
from lib.ui.warroom import (  # noqa: F401
    cockpit_areas,
    cockpit_controls,
    cockpit_detail,
    cockpit_exceptions,
    cockpit_header,
    cockpit_health,
    cockpit_peers,
    cockpit_problems,
    cockpit_query,
    cockpit_round,
    cockpit_run,
    cockpit_shortcut,
    cockpit_style,
    cockpit_then_now,
    cockpit_tiles,
    cockpit_view,
    cockpit_wall,
    plot,
    round_scores,
    wall_mode,
)
