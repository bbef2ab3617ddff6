"""District boundary layers an administrator installs: checked, recorded and audited.

The checking and saving of a layer is lib.geo.districts; the right to replace
it (manage_layers), its record in the store and its audit entry are here.
"""

from __future__ import annotations

import json
from pathlib import Path

from lib.geo.districts import prepare_layer, save_layer
from lib.services import auth


def install_layer(
    store, user, data: bytes, file_name: str, origin: str = "app", path: Path | None = None
):
    """Check a district boundary file, save it and audit it, for an administrator.

    The permission is checked here (auth.PermissionDenied, audited); the layer
    file is replaced only after the meta and audit entry are written, so no
    layer changes without its record. Returns the prepared layer's report.
    """
    auth.require_audited(store, user, "manage_layers", file_name, origin)
    shapes, report = prepare_layer(data, file_name, store.areas("district"))
    summary = {
        "file": file_name,
        "districts": report.kept,
        "unknown": len(report.unknown),
        "missing": len(report.missing),
        "duplicates": len(report.duplicates),
    }
    store.record_meta(
        {"district_layer": json.dumps(summary, ensure_ascii=False)},
        audit={
            "username": user.username,
            "action": "load_district_layer",
            "target": file_name,
            "detail": summary,
            "origin": origin,
        },
    )
    save_layer(shapes, path)
    return report
