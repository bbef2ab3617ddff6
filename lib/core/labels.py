"""Words for the state of data, in Thai and English: one wording for every page and map.

The engine marks a KPI result unreliable with reason codes (``low_coverage``,
``unverified``, ``stale``, and ``flagged_values`` for a red light resting on
values the quality checks flagged and no verifier has checked yet); the map
flags an area's figure (``stale``, ``unverified``, ``partial``, ``unreliable``);
both show ``no_data``; a flagged value reads QUALITY_FLAG_LABELS. The same
code reads the same everywhere: the cockpit's warnings, the map's tooltips and
table, and the legend rows that lib.geo.mapview draws.
"""

from __future__ import annotations

from lib.core.i18n import Text

FLAG_LABELS = {
    "no_data": Text("ไม่มีข้อมูล", "no data"),
    "low_coverage": Text("ข้อมูลไม่ครบถ้วน", "incomplete data (low coverage)"),
    "unverified": Text("ข้อมูลยังไม่ถูกต้อง/ยังไม่ผ่านการตรวจสอบ", "data not correct or not verified"),
    "stale": Text("ข้อมูลไม่ทันเหตุการณ์", "data out of date"),
    "partial": Text("ข้อมูลไม่ครบทุกพื้นที่", "not all areas reported"),
    "unreliable": Text("ข้อมูลไม่น่าเชื่อถือ", "unreliable data"),
    "flagged_values": Text("มีค่าผิดปกติที่ยังไม่ได้ตรวจ", "rests on flagged values not yet checked"),
}
NO_DATA = FLAG_LABELS["no_data"]
# The legend row of the dashed outline: any of the flags an area's figure may carry.
FLAGGED = Text("ไม่ทันเหตุการณ์/ยังไม่ตรวจสอบ/ไม่ครบ", "out of date / unverified / partial")

# -- tables a user reads: one header per column key, one word per status or code ----------
# Every table on the Upload, Verify, Administration and overview pages names its
# columns through COLUMN_LABELS (lib.views.tables.display_table); a key missing
# here would show as the raw key, which the page walk test refuses.
COLUMN_LABELS = {
    # cells of an upload, a batch or the store
    "item_code": Text("รหัสรายการ", "Item code"),
    "item_name": Text("รายการข้อมูล", "Data item"),
    "area_code": Text("รหัสพื้นที่", "Area code"),
    "area_name": Text("พื้นที่", "Area"),
    "period": Text("งวด", "Period"),
    "period_end": Text("สิ้นงวด", "Period end"),
    "value": Text("ค่า", "Value"),
    "old_value": Text("ค่าเดิม", "Previous value"),
    "jump_size": Text("ผลต่างจากค่าเดิม", "Change from previous"),
    "jump": Text("กระโดดผิดปกติ", "Unusual jump"),
    "change": Text("การเปลี่ยนแปลง", "Change"),
    "note": Text("หมายเหตุ", "Note"),
    "status": Text("สถานะ", "Status"),
    "submitted_by": Text("ผู้ส่ง", "Submitted by"),
    "submitted_at": Text("เวลาที่ส่ง", "Submitted at"),
    "verified_by": Text("ผู้ตรวจสอบ", "Verified by"),
    "verified_at": Text("เวลาที่ตรวจสอบ", "Verified at"),
    # problems found in a file
    "row": Text("แถว", "Row"),
    "column": Text("คอลัมน์", "Column"),
    "severity": Text("ระดับ", "Severity"),
    "message": Text("เหตุผล", "Reason"),
    # batches
    "batch_id": Text("ชุดที่", "Batch"),
    "kind": Text("ประเภท", "Kind"),
    "username": Text("ผู้ใช้", "User"),
    "agency_code": Text("หน่วยงาน", "Agency"),
    "file_name": Text("ชื่อไฟล์", "File"),
    "created_at": Text("สร้างเมื่อ", "Created"),
    "n_new": Text("ค่าใหม่", "New"),
    "n_changed": Text("เปลี่ยนแปลง", "Changed"),
    "n_unchanged": Text("เท่าเดิม", "Unchanged"),
    "n_rejected": Text("แถวที่มีปัญหา", "Rejected rows"),
    "undone_by": Text("ผู้ยกเลิก", "Undone by"),
    "undone_at": Text("เวลาที่ยกเลิก", "Undone at"),
    # accounts
    "display_name": Text("ชื่อที่แสดง", "Display name"),
    "role": Text("บทบาท", "Role"),
    "is_active": Text("ใช้งานได้", "Active"),
    "failed_attempts": Text("ใส่รหัสผ่านผิด (ครั้ง)", "Failed sign-ins"),
    "locked_until": Text("ล็อกถึง", "Locked until"),
    "password_changed_at": Text("เปลี่ยนรหัสผ่านเมื่อ", "Password changed"),
    # the audit log
    "id": Text("ลำดับ", "No."),
    "occurred_at": Text("เวลา", "Time"),
    "action": Text("การกระทำ", "Action"),
    "target": Text("เป้าหมาย", "Target"),
    "detail": Text("รายละเอียด", "Detail"),
    "origin": Text("ที่มา", "Origin"),
    # the overview
    "province_code": Text("รหัสจังหวัด", "Province code"),
    "province_name": Text("จังหวัด", "Province"),
    # verification of values
    "submitted_value": Text("ค่าที่ส่ง", "Submitted value"),
    # saved file layouts (lib.services.layouts.listed)
    "name": Text("ชื่อ", "Name"),
    "columns": Text("คอลัมน์และบทบาท", "Columns and roles"),
    "sheets": Text("ชีต", "Sheets"),
    "period_rule": Text("งวดอ่านจาก", "Period read from"),
    "created_by": Text("ผู้บันทึก", "Saved by"),
    "updated_at": Text("แก้ไขล่าสุด", "Last changed"),
    # the mapping step: a file's columns
    "position": Text("ลำดับคอลัมน์", "Column no."),
    "label": Text("หัวคอลัมน์ในไฟล์", "Header in the file"),
    "column_role": Text("คอลัมน์นี้คือ", "This column is"),
    "samples": Text("ตัวอย่างค่า", "Sample values"),
    # data quality: flagged values and their follow-up (lib.services.quality)
    "flag": Text("ข้อสังเกต", "Flag"),
    "flag_label": Text("ข้อสังเกต", "Flag"),
    "checked": Text("ตรวจแล้ว", "Checked"),
    "checked_by": Text("ผู้ตรวจ", "Checked by"),
    "checked_at": Text("เวลาที่ตรวจ", "Checked at"),
}

# Words for the codes a table cell holds, by column key.
STATUS_LABELS = {
    "submitted": Text("รอตรวจสอบ", "submitted"),
    "verified": Text("รับรองแล้ว", "verified"),
    "rejected": Text("ถูกปฏิเสธ", "rejected"),
    "committed": Text("บันทึกแล้ว", "committed"),
    "undone": Text("ยกเลิกแล้ว", "undone"),
}
BATCH_KIND_LABELS = {
    "upload": Text("นำเข้า", "upload"),
    "verify": Text("ตรวจสอบ", "verification"),
    "undo": Text("ยกเลิกชุด", "undo"),
    "demo": Text("ข้อมูลสาธิต", "demo data"),
}
SEVERITY_LABELS = {
    "error": Text("ข้อผิดพลาด", "error"),
    "warning": Text("คำเตือน", "warning"),
}
CHANGE_LABELS = {
    "new": Text("ค่าใหม่", "new"),
    "changed": Text("เปลี่ยนแปลง", "changed"),
    "unchanged": Text("เท่าเดิม", "unchanged"),
}
ROLE_LABELS = {
    "staff": Text("เจ้าหน้าที่หน่วยงาน", "Agency staff"),
    "verifier": Text("ผู้ตรวจสอบข้อมูล", "Verifier"),
    "executive": Text("ผู้บริหาร", "Executive"),
    "admin": Text("ผู้ดูแลระบบ", "Administrator"),
    "public": Text("ประชาชนทั่วไป", "Public"),
}
# Audit actions; an action not listed here (a new one) shows as its code.
ACTION_LABELS = {
    "sign_in": Text("เข้าสู่ระบบ", "sign in"),
    "sign_in_failed": Text("เข้าสู่ระบบไม่สำเร็จ", "sign-in failed"),
    "sign_out": Text("ออกจากระบบ", "sign out"),
    "password_change": Text("เปลี่ยนรหัสผ่าน", "password change"),
    "user_add": Text("เพิ่มผู้ใช้", "account added"),
    "user_disable": Text("ระงับผู้ใช้", "account disabled"),
    "denied": Text("ถูกปฏิเสธสิทธิ์", "permission denied"),
    "upload": Text("นำเข้าข้อมูล", "upload"),
    "verified": Text("รับรองข้อมูล", "values verified"),
    "rejected": Text("ปฏิเสธข้อมูล", "values rejected"),
    "undo": Text("ยกเลิกชุดข้อมูล", "batch undone"),
    "backup": Text("สำรองข้อมูล", "backup"),
    "backup_failed": Text("สำรองข้อมูลไม่สำเร็จ", "backup failed"),
    "restore": Text("กู้คืนข้อมูล", "restore"),
    "load_reference": Text("โหลดข้อมูลอ้างอิง", "reference loaded"),
    "load_catalog": Text("โหลดบัญชีรายการข้อมูล", "catalogue loaded"),
    "load_observations": Text("โหลดค่าข้อมูล", "values loaded"),
    "load_district_layer": Text("เปลี่ยนชั้นแผนที่อำเภอ", "district layer replaced"),
    "layout_saved": Text("บันทึกรูปแบบไฟล์", "file layout saved"),
    "layout_renamed": Text("เปลี่ยนชื่อรูปแบบไฟล์", "file layout renamed"),
    "layout_deleted": Text("ลบรูปแบบไฟล์", "file layout deleted"),
    "quality_checked": Text("ตรวจค่าที่ถูกแจ้งเตือนแล้ว", "flagged value checked"),
}
# Why a value is flagged by the quality checks; 'rule:CODE' reads 'ผิดกฎ: NAME'.
QUALITY_FLAG_LABELS = {
    "outlier_history": Text("ค่าผิดปกติเทียบประวัติ", "outlier against its own history"),
    "outlier_peers": Text("ค่าผิดปกติเทียบพื้นที่อื่น", "outlier against the other areas"),
}
RULE_FLAG = Text("ผิดกฎ", "breaks rule")
# Where a sheet's period comes from (lib.ingest.layout.PERIOD_RULES).
PERIOD_RULE_LABELS = {
    "": Text("อัตโนมัติ (จากคอลัมน์งวดหรือหัวตาราง)", "automatic (a period column or header)"),
    "sheet": Text("ชื่อชีต (เช่น 58, ม.ค. 2567)", "the sheet's name (e.g. 58, Jan 2567)"),
    "title": Text("แถวหัวเรื่องเหนือตาราง", "a title row above the table"),
    "yymm": Text(
        "รหัสปีเดือน YYMM ของกรมการปกครอง (6512 = ธ.ค. 2565)", "DOPA YYMM code (6512 = Dec 2565)"
    ),
}
CELL_LABELS = {
    "status": STATUS_LABELS,
    "kind": BATCH_KIND_LABELS,
    "severity": SEVERITY_LABELS,
    "change": CHANGE_LABELS,
    "role": ROLE_LABELS,
    "action": ACTION_LABELS,
    "period_rule": PERIOD_RULE_LABELS,
}
YES_NO = (Text("ใช่", "yes"), Text("ไม่", "no"))

# What a column of an uploaded file is (lib.ingest.layout.ROLES): the mapping step's choices.
COLUMN_ROLE_LABELS = {
    "area": Text("พื้นที่ (รหัสหรือชื่อ)", "Area (code or name)"),
    "province": Text("จังหวัด", "Province"),
    "district": Text("อำเภอ", "District"),
    "area_name": Text("ชื่อพื้นที่", "Area name"),
    "item": Text("รายการ", "Data item"),
    "period": Text("งวด", "Period"),
    "year": Text("ปี", "Year"),
    "month": Text("เดือน", "Month"),
    "quarter": Text("ไตรมาส", "Quarter"),
    "value": Text("ค่า", "Value"),
    "note": Text("หมายเหตุ", "Note"),
    "ignore": Text("ไม่ใช้", "Not used"),
}


def yes_no(flag: object, lang: str) -> object:
    """'ใช่' or 'ไม่' ('yes' / 'no'); a missing flag stays missing.

    >>> yes_no(True, "th"), yes_no(False, "en"), yes_no(None, "th")
    ('ใช่', 'no', None)
    """
    if flag is None or (isinstance(flag, float) and flag != flag):
        return None
    return (YES_NO[0] if bool(flag) else YES_NO[1]).pick(lang)


def column_role_label(role: str, lang: str, item_names: dict | None = None) -> str:
    """The words for a column role; ``item:CODE`` reads 'ค่าของรายการ CODE name'.

    >>> column_role_label("area_name", "th"), column_role_label("ignore", "en")
    ('ชื่อพื้นที่', 'Not used')
    >>> column_role_label("item:POP01", "th", {"POP01": "ประชากร"})
    'ค่าของรายการ POP01 ประชากร'
    """
    if role.startswith("item:"):
        code = role[5:]
        name = (item_names or {}).get(code)
        shown = f"{code} {name}" if name else code
        return Text(f"ค่าของรายการ {shown}", f"Values of item {shown}").pick(lang)
    label = COLUMN_ROLE_LABELS.get(role)
    return role if label is None else label.pick(lang)


def quality_flag_label(flag: str, lang: str, rule_names: dict | None = None) -> str:
    """A quality flag in words; 'rule:CODE' names the rule (its name when known).

    >>> quality_flag_label("outlier_peers", "th")
    'ค่าผิดปกติเทียบพื้นที่อื่น'
    >>> quality_flag_label("rule:R1", "th", {"R1": "ชายหญิง"}), quality_flag_label("rule:R2", "en")
    ('ผิดกฎ: ชายหญิง', 'breaks rule: R2')
    """
    if str(flag).startswith("rule:"):
        code = str(flag)[5:]
        return f"{RULE_FLAG.pick(lang)}: {(rule_names or {}).get(code) or code}"
    label = QUALITY_FLAG_LABELS.get(flag)
    return str(flag) if label is None else label.pick(lang)


def column_label(key: str, lang: str) -> str:
    """A column's header in a language; a key not in COLUMN_LABELS (a name) stays as it is.

    >>> column_label("n_changed", "th"), column_label("n_changed", "en"), column_label("ภาค", "en")
    ('เปลี่ยนแปลง', 'Changed', 'ภาค')
    """
    label = COLUMN_LABELS.get(key)
    return key if label is None else label.pick(lang)


def cell_label(column: str, code: object, lang: str) -> object:
    """The word for a code in a column (status, kind, severity, change, role, action).

    >>> cell_label("status", "undone", "th"), cell_label("kind", "verify", "en")
    ('ยกเลิกแล้ว', 'verification')
    >>> cell_label("action", "a_new_action", "th"), cell_label("note", "ok", "th")
    ('a_new_action', 'ok')
    """
    words = CELL_LABELS.get(column, {})
    label = words.get(code) if isinstance(code, str) else None
    return code if label is None else label.pick(lang)


# -- the Explore page (issue 14): how often an item is collected, a value's versions ----------
FREQUENCY_LABELS = {
    "monthly": Text("รายเดือน", "monthly"),
    "quarterly": Text("รายไตรมาส", "quarterly"),
    "annual": Text("รายปี (ปีปฏิทิน)", "annual (calendar year)"),
    "fiscal_annual": Text("รายปีงบประมาณ", "annual (fiscal year)"),
    "biennial": Text("ทุก 2 ปี", "every two years"),
}
COLUMN_LABELS.update(
    {
        "frequency": Text("ความถี่", "Frequency"),
        "group_name": Text("กลุ่มข้อมูล", "Data group"),
        "aspect_name": Text("ประเด็น", "Aspect"),
        "owner_name": Text("หน่วยงานเจ้าของข้อมูล", "Owner agency"),
        "unit": Text("หน่วย", "Unit"),
        "is_published": Text("เผยแพร่", "Published"),
        "version": Text("ฉบับที่", "Version"),
        "batch_kind": Text("ประเภทชุด", "Batch kind"),
        "in_force_from": Text("ใช้ตั้งแต่", "In force from"),
        "in_force_until": Text("ใช้ถึง", "In force until"),
        "replaced_by_batch": Text("ถูกแทนที่โดยชุดที่", "Replaced by batch"),
        "replaced_by_kind": Text("แทนที่ด้วย", "Replaced by"),
        "undone": Text("ชุดถูกยกเลิก", "Batch undone"),
        "current": Text("ค่าปัจจุบัน", "Current"),
    }
)
CELL_LABELS.update(
    {
        "frequency": FREQUENCY_LABELS,
        "batch_kind": BATCH_KIND_LABELS,
        "replaced_by_kind": BATCH_KIND_LABELS,
    }
)
