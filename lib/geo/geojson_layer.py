"""A folium GeoJson layer whose rendered script is not compiled again as a template.

folium renders an element's script (for a GeoJson: the whole GeoJSON as JSON text) and
adds it to the figure as a new branca Element, whose constructor compiles that text as a
Jinja template: the whole GeoJSON is lexed, parsed and compiled to Python again, only to
render back to the same text. `st_folium` renders the coloured layer on every run, for the
style maps its render works out, and then reads the layer's script from its template
itself: the figure's copy is thrown away. On the finer province layer the render took
49 ms with that compilation and 22 ms without, all of it holding the interpreter lock; under
load the compilation was about half of what st_folium took.

`GeoJsonLayer` renders exactly what folium.GeoJson renders (the same style maps, the same
order of scripts in the figure, the same page; tests.test_geojson_layer compares them), but
puts its script text in the figure as it is, and renders that text only when the page is
rendered: st_folium never does, so the GeoJSON is no longer turned into JSON text twice per
run (bench/map_bench.py: map build 0.042 -> 0.027 s on the national layer, 0.059 -> 0.045 s
on the detail layer). The one difference: text in the data that
looks like Jinja (`{{ ... }}` in an area's name, say) is shown as written, where folium
would evaluate it in that second pass.
"""

from __future__ import annotations

import folium
from branca.element import Element
from folium.template import Template

# A script macro that renders nothing: MacroElement.render adds it to the figure under the
# layer's name (in its place among the scripts), and render then puts the real text there.
_EMPTY_SCRIPT = Template("{% macro script(this, kwargs) %}{% endmacro %}")


def as_template_renders(text: str) -> str:
    """Text as a branca Element of it renders it: Jinja drops one trailing newline."""
    return text[:-1] if text.endswith("\n") else text


class LayerScript(Element):
    """A layer's script in the page: rendered as it is, not compiled as a template, and only
    when the page is rendered (st_folium renders the layer, then reads the layer's script from
    its template itself and never renders the page's copy)."""

    def __init__(self, layer: folium.GeoJson):
        super().__init__()
        self.layer = layer

    def render(self, **kwargs) -> str:
        # folium.GeoJson.render passes no kwargs on to the script macro; neither does this
        return as_template_renders(self.layer._template.module.script(self.layer, {}))


class GeoJsonLayer(folium.GeoJson):
    """folium.GeoJson, rendered without compiling its own script as a second template."""

    def render(self, **kwargs) -> None:
        self._template = _EMPTY_SCRIPT  # this instance only: GeoJson's stays the class's
        try:
            super().render(**kwargs)  # style maps, the add-to call, the children's scripts
        finally:
            del self._template
        script = LayerScript(self)  # rendered with the page, if it ever is
        self.get_root().script.add_child(script, name=self.get_name())  # same key, same place
