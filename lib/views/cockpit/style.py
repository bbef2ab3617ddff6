"""The cockpit's CSS: tiles that wrap at narrow windows, and the wall's one dark screen.

The wall's sizes are in viewport units (1em = 1.9vh), so the same grid fits a
1920x1080 and a 1366x768 screen with nothing below the fold; panels clip rather
than grow, and tiles are paged (lib.views.cockpit.wall). No URL, no network.
"""

# Cockpit in a browser window: tile cards; rows of columns (tiles, metrics, peers)
# wrap to two or one per line when the window is narrow instead of squeezing text.
COCKPIT_CSS = """<style>
.ck-tile{padding:.5rem .8rem;border-radius:6px;background:rgba(127,127,127,.08);min-height:11.5rem;
display:flex;flex-direction:column}
.ck-code{font-size:.8rem;opacity:.85}.ck-name{font-size:.95rem;line-height:1.25;min-height:2.5em}
.ck-value{font-size:1.7rem;font-weight:700}.ck-line{font-size:.9rem}
.ck-score{font-size:1.1rem}.ck-warn{color:#c05600;font-size:.8rem}
.ck-spark{display:block;width:100%;height:auto;margin-top:auto;padding-top:.3rem}
.st-key-cockpit_tiles [data-testid="stHorizontalBlock"],
.st-key-cockpit_metrics [data-testid="stHorizontalBlock"],
.st-key-cockpit_health_row [data-testid="stHorizontalBlock"],
.st-key-cockpit_peers_row [data-testid="stHorizontalBlock"]{flex-wrap:wrap}
.st-key-cockpit_tiles [data-testid="stColumn"]{min-width:min(100%,13rem)}
.st-key-cockpit_metrics [data-testid="stColumn"]{min-width:min(100%,8.5rem)}
.st-key-cockpit_health_row [data-testid="stColumn"],
.st-key-cockpit_peers_row [data-testid="stColumn"]{min-width:min(100%,22rem)}
</style>"""

# The wall: the Streamlit chrome hidden, one fixed dark grid over the whole window.
WALL_CSS = """<style>
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],[data-testid="collapsedControl"],
[data-testid="stHeader"],[data-testid="stToolbar"],[data-testid="stSidebarNav"]{display:none!important}
html,body,.stApp,[data-testid="stAppViewContainer"],[data-testid="stMain"]
{background:#0b0f17!important;color:#f2f2f2!important;overflow:hidden!important}
.stApp p,.stApp li,.stApp span,.stApp label,.stApp h1,.stApp h2,.stApp h3,.stApp div{color:#f2f2f2}
[data-testid="stMainBlockContainer"]{max-width:100%;padding:1rem 2rem}
.ck-wall{position:fixed;inset:0;z-index:999990;background:#0b0f17;color:#f2f2f2;
font-size:1.9vh;line-height:1.3;padding:1.4vh 1.4vw;box-sizing:border-box;overflow:hidden;
display:grid;grid-template-rows:auto minmax(0,1fr);gap:1.2vh;font-family:Sarabun,sans-serif}
.ck-wall *{box-sizing:border-box}
.ck-head{display:flex;justify-content:space-between;align-items:flex-end;gap:2vw}
.ck-head h1{font-size:2.1em;line-height:1.15;margin:0;padding:0;font-weight:700}
.ck-head-title{min-width:0}.ck-problem{color:#ffb066;font-size:.8em}
.ck-composite{text-align:right;white-space:nowrap}
.ck-big{font-size:2.4em;font-weight:700;line-height:1.1}.ck-big span{font-size:.6em}
.ck-label{font-size:.8em;opacity:.85}.ck-status{font-size:.75em;opacity:.8}
.ck-body{display:grid;grid-template-columns:32% minmax(0,1fr);gap:1.2vw;min-height:0}
.ck-side{display:flex;flex-direction:column;gap:1.2vh;min-height:0}
.ck-panel{background:#161c29;border:1px solid #2a3242;border-radius:8px;padding:.6em .8em;
min-height:0;overflow:hidden}
.ck-panel h2{font-size:1.2em;margin:0 0 .3em;padding:0;font-weight:700}
.ck-exceptions{flex:1 1 auto}
.ck-exceptions ul{margin:0;padding-left:1.1em}
.ck-exceptions li{font-size:.85em;margin:0 0 .35em;display:-webkit-box;-webkit-line-clamp:2;
-webkit-box-orient:vertical;overflow:hidden}
.ck-more,.ck-ok{margin:.2em 0 0;font-size:.85em;opacity:.85}
.ck-health{flex:0 0 auto}
.ck-metrics{display:grid;grid-template-columns:repeat(5,1fr);gap:.4em;margin-bottom:.4em}
.ck-metric .ck-label{font-size:.65em;line-height:1.15;min-height:2.3em}
.ck-mvalue{font-size:1.25em;font-weight:700}
.ck-wall table.ck-table{width:100%;border-collapse:collapse;background:#161c29;color:#f2f2f2;
font-size:.72em}
.ck-table th,.ck-table td{border:0;border-bottom:1px solid #2a3242;padding:.15em .3em;
text-align:right;background:#161c29;color:#f2f2f2}
.ck-table th{font-weight:600;opacity:.9}.ck-table td:first-child,.ck-table th:first-child
{text-align:left}
.ck-tiles{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));
grid-template-rows:repeat(3,minmax(0,1fr));gap:1vh .8vw;min-height:0}
.ck-wall .ck-tile{background:#161c29;min-height:0;overflow:hidden;padding:.45em .6em;
display:flex;flex-direction:column}
.ck-wall .ck-code{font-size:.75em}
.ck-wall .ck-name{font-size:.88em;line-height:1.2;min-height:2.4em;display:-webkit-box;
-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.ck-wall .ck-value{font-size:1.8em;line-height:1.15}.ck-wall .ck-value small{font-size:.45em}
.ck-wall .ck-line{font-size:.78em;line-height:1.25}.ck-wall .ck-score{font-size:1.2em}
.ck-wall .ck-warn{color:#ffb066!important;font-size:.72em;white-space:nowrap;overflow:hidden;
text-overflow:ellipsis}
.ck-wall .ck-spark{margin-top:auto;padding-top:.2em;max-height:3.2em}
</style>"""
