"""Start the app: `python scripts/serve.py [streamlit options]` (what scripts/start.sh runs).

The same as `streamlit run app.py [options]`: Streamlit finds `app = st.App(...)`
in app.py and serves it with uvicorn; app.py adds the sign-in cookie routes,
builds or migrates the store before the first request (a progress line in the
log) and keeps Streamlit's legacy `pages/` file menu off. Options such as
`--server.port 8502` and `--server.address 127.0.0.1` pass through. Stop it with
Ctrl+C (or end the process). The process's threads share two malloc arenas
(lib.core.memory; MALLOC_ARENA_MAX in the environment overrides it).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from lib.core.memory import limit_malloc_arenas

    limit_malloc_arenas()  # before any thread starts (lib.core.memory says why)

    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(cli.main())
