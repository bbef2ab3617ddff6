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
puts its script text in the figure as it is. The one difference: text in the data that
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


class RenderedText(Element):
    """A script already rendered: put in the page as it is, not compiled as a template."""

    def __init__(self, text: str):
        super().__init__()
        # Jinja drops one trailing newline of a template's text; so does this
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, **kwargs) -> str:
        return self.text


class GeoJsonLayer(folium.GeoJson):
    """folium.GeoJson, rendered without compiling its own script as a second template."""

    def render(self, **kwargs) -> None:
        self._template = _EMPTY_SCRIPT  # this instance only: GeoJson's stays the class's
        try:
            super().render(**kwargs)  # style maps, the add-to call, the children's scripts
        finally:
            del self._template
        # folium.GeoJson.render passes no kwargs on to the script macro; neither does this
        script = RenderedText(self._template.module.script(self, {}))
        self.get_root().script.add_child(script, name=self.get_name())  # same key, same place
