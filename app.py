"""Router of the provincial EIS/GIS cockpit: page setup and navigation only.

Every page of lib.core.pages is routable (so a deep link keeps its view through
a sign-in), but the menu lists only the pages the visitor's role may use and
each restricted page checks the right itself (ui.require_page). A display
link's viewer gets the cockpit alone.

The same file is the server: `streamlit run app.py` (and scripts/serve.py)
finds `app = st.App(...)` below and imports this file as the module `app`,
which adds the sign-in cookie routes and builds the store at start
(lib.ui.server); Streamlit then runs it as the script (`__main__`) per visit.
"""

import streamlit as st

if __name__ == "__main__":  # the script: one run per visit and interaction
    from lib import ui

    st.set_page_config(
        page_title="EIS/GIS จังหวัด",
        page_icon="static/icon.png",
        layout="wide",
        initial_sidebar_state="collapsed" if ui.wall_mode() else "expanded",
    )
    ui.start_backup_worker()
    user = ui.current_user(ui.store())
    registry = ui.navigation_pages(user)
    if ui.viewer_scopes(user) is not None:  # a display link: the cockpit and nothing else
        registry = {"cockpit": registry["cockpit"]}
    page = st.navigation(list(registry.values()), position="hidden")
    if not ui.wall_mode():  # the war-room wall (?wall=1) shows no menu
        ui.menu(registry, user)
    home = registry.get("home")
    if home and page.url_path == home.url_path and "cockpit" in ui.allowed_pages(user):
        ui.cockpit_shortcut(registry["cockpit"])  # start page -> a province's cockpit in two clicks
    page.run()
else:  # the server (imported as the module `app`): routes and start-up
    import logging

    from streamlit.runtime.pages_manager import PagesManager

    # lib.ui declares its st.cache_data functions before the runtime starts: Streamlit
    # notes "No runtime found" once per function, harmless (the real cache is chosen
    # at the first call), so that note is muted while lib.ui is imported.
    notes = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    notes.disabled = True
    from lib.ui import server

    notes.disabled = False

    # pages/ is also Streamlit's legacy multipage folder: without this, a deep link
    # opened before anyone visits "/" would show Streamlit's raw file menu.
    PagesManager.uses_pages_directory = False
    app = st.App(__file__, routes=server.routes(), lifespan=server.lifespan)
