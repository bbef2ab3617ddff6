"""A map layer's tooltip whose link the pointer can reach (the provenance link of a value).

Added as a child of a folium.GeoJson with an interactive tooltip
(lib.geo.mapview.choropleth_layer does it when the layer has links).
"""

from __future__ import annotations

from branca.element import MacroElement
from folium.template import Template


class TooltipStays(MacroElement):
    """Lets the pointer reach a link in a layer's tooltip: the tooltip opens at the pointer
    (not at the shape's centre, which may lie across other shapes) and stays open while the
    pointer moves into it (Leaflet closes a tooltip as soon as the pointer leaves the shape;
    here it waits GRACE_MS, and the tooltip keeps itself open while the pointer is on it)."""

    GRACE_MS = 400

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (layer) {
            var timer = null;
            function cancel() { if (timer) { clearTimeout(timer); timer = null; } }
            layer.off("mouseover", layer._openTooltip);
            layer.on("mouseover", function (e) {
                if (!layer._tooltip || !layer._map) return;
                cancel();
                // an interactive tooltip passes its own events to the layer: stay put
                var tip = layer.getTooltip(), box = tip && tip.getElement();
                var from = e.originalEvent && e.originalEvent.target;
                if (box && from && box.contains(from)) return;
                layer._tooltip._source = e.layer || e.target;
                layer.openTooltip(e.latlng);
            });
            layer.off("mouseout", layer.closeTooltip);
            layer.on("mouseout", function (e) {
                var tip = layer.getTooltip(), box = tip && tip.getElement();
                if (!box) return layer.closeTooltip();
                if (!box._eisStays) {
                    box._eisStays = true;
                    L.DomEvent.on(box, "mouseenter", cancel);
                    L.DomEvent.on(box, "mouseleave", function () { layer.closeTooltip(); });
                }
                var to = e.originalEvent && e.originalEvent.relatedTarget;
                if (to && box.contains(to)) return;
                cancel();
                timer = setTimeout(function () { timer = null; layer.closeTooltip(); },
                                   {{ this.GRACE_MS }});
            });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "TooltipStays"
