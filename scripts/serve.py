"""Start the app: `python scripts/serve.py [streamlit options]` (what scripts/start.sh runs).

app.py routes every page with st.navigation. Streamlit also has an older
multipage mode that it switches on, for the first session after a start,
whenever a folder named `pages/` sits beside the main script: a deep link
opened before anyone visits "/" would then run a page without the router
(no menu filtering, no page set-up). Declaring the v2 mode before the server
starts avoids that; `streamlit run app.py` still works, with that caveat.
"""

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(cli.main())
