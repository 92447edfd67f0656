"""Every word the report shows, in Thai and English: ONE table (:data:`TABLE`), no strings
spread through the code. Thai dates are in the Buddhist calendar (B.E. = C.E. + 543) and all
times are Thai time (UTC+7). :data:`FONT_STACK` lists fonts that carry Thai glyphs on Windows,
macOS, Android and Linux.

>>> th, en = Strings("th"), Strings("en")
>>> th["flights"], en["flights"]
('เที่ยวบิน', 'Flights')
>>> th.datetime(1764660300.0), en.datetime(1764660300.0)
('2 ธ.ค. 2568 14:25', '2 Dec 2025 14:25')
>>> en.fmt("n_more", n=3)
'and 3 more'
"""

from __future__ import annotations

from dronepatrol.reporting.timefmt import thai

LANGS = ("th", "en")
DEFAULT_LANG = "th"

#: Fonts with Thai glyphs first (Noto/Sarabun web-safe where installed, Leelawadee/Tahoma on
#: Windows, Thonburi on macOS, the TLWG fonts on Linux), then the system UI font.
FONT_STACK = (
    '"Noto Sans Thai", "Noto Sans Thai UI", Sarabun, "Leelawadee UI", Leelawadee, Thonburi, Tahoma, '
    'Loma, Garuda, "Tlwg Typo", Waree, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
)

_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "th": ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."),
}
#: Year offset: Thai dates count Buddhist Era years.
_YEAR_OFFSET = {"en": 0, "th": 543}

#: key -> (English, Thai). Placeholders in braces are filled by :meth:`Strings.fmt`.
TABLE: dict[str, tuple[str, str]] = {
    # page and panel
    "title": ("Drone patrol report", "รายงานการบินลาดตระเวนด้วยโดรน"),
    "period": ("Period (Thai time)", "ช่วงเวลา (เวลาประเทศไทย)"),
    "no_data": ("No flights or photos given", "ยังไม่มีข้อมูลการบินหรือภาพถ่าย"),
    "drones": ("Drones", "โดรน"),
    "drone": ("Drone", "โดรน"),
    "n_drones": ("{n} drones", "โดรน {n} ลำ"),
    "flights": ("Flights", "เที่ยวบิน"),
    "distance": ("Distance", "ระยะทาง"),
    "flight_time": ("Flight time", "เวลาบิน"),
    "photos": ("Photos", "ภาพถ่าย"),
    "photos_taken": ("Photos taken", "ภาพที่ถ่าย"),
    "photos_tagged": ("with position", "มีพิกัด"),
    "camera_shots": ("camera shots reported", "ครั้งที่โดรนรายงานการถ่าย"),
    "photos_untagged": ("Photos without a position (not on the map)", "ภาพที่ไม่มีพิกัด (ไม่แสดงบนแผนที่)"),
    "coverage": ("Zone photographed", "พื้นที่ที่ถ่ายภาพแล้ว"),
    "coverage_triggers": (
        "from the camera shots the drones reported (no photos given)",
        "คำนวณจากจุดสั่งถ่ายภาพที่โดรนรายงาน (ยังไม่มีไฟล์ภาพ)",
    ),
    "coverage_note": (
        "of the zone outside permanent no-fly areas",
        "ของพื้นที่เป้าหมาย (ไม่รวมเขตห้ามบินถาวร)",
    ),
    "hotspots_visited": ("Planned hotspots visited", "จุดเสี่ยงตามแผนที่ไปตรวจแล้ว"),
    "hotspots_visited_all": ("Hotspots visited (no plan given)", "จุดเสี่ยงที่ไปตรวจ (ไม่มีแผน)"),
    "visit_rule": (
        "visit: within {radius} m for at least the dwell time",
        "การตรวจ 1 ครั้ง: อยู่ในรัศมี {radius} ม. นานอย่างน้อยตามเวลาที่กำหนด",
    ),
    "alerts": ("Alerts", "การแจ้งเตือน"),
    "alert_failsafe": ("Failsafe", "ระบบป้องกันเหตุขัดข้อง"),
    "alert_fence": ("Fence breach", "ออกนอกรั้วภูมิศาสตร์"),
    "alert_link_lost": ("Link lost", "สัญญาณขาดหาย"),
    "alert_other": ("Other", "อื่น ๆ"),
    "authorizations": ("Authorisations used", "การอนุญาตที่ใช้"),
    "none": ("none", "ไม่มี"),
    "never": ("never", "ยังไม่เคย"),
    "yes": ("yes", "ใช่"),
    "no": ("no", "ไม่"),
    "n_more": ("and {n} more", "และอีก {n} รายการ"),
    "per_drone": ("Per drone", "แยกตามโดรน"),
    "communities_title": ("Communities: share photographed", "ชุมชน: สัดส่วนที่ถ่ายภาพแล้ว"),
    "community": ("Community", "ชุมชน"),
    "photographed": ("photographed", "ถ่ายภาพแล้ว"),
    "last_photo": ("last photo", "ถ่ายล่าสุด"),
    "hotspots_title": ("Hotspots: patrol visits", "จุดเสี่ยง: การลาดตระเวน"),
    "hotspot": ("Hotspot", "จุดเสี่ยง"),
    "priority": ("priority", "ความสำคัญ"),
    "priority_of": ("priority {p} of 5", "ความสำคัญ {p} จาก 5"),
    "visits": ("visits", "ครั้ง"),
    "planned": ("planned", "ในแผน"),
    "not_planned": ("not planned", "ไม่อยู่ในแผน"),
    "per_week": ("visits per week", "ครั้งต่อสัปดาห์"),
    "last_visit": ("last visit", "ตรวจล่าสุด"),
    "reasons": ("why", "เหตุผล"),
    "dwell": ("dwell", "เวลาเฝ้า"),
    "chart_title": ("Flight hours per week", "ชั่วโมงบินต่อสัปดาห์"),
    "chart_x": ("week starting (Monday)", "สัปดาห์ที่เริ่ม (วันจันทร์)"),
    "chart_y": ("hours", "ชั่วโมง"),
    "generated": ("Made by dronepatrol", "สร้างโดย dronepatrol"),
    "offline_note": (
        "Works offline. The street map behind needs internet.",
        "เปิดดูได้โดยไม่ต้องใช้อินเทอร์เน็ต (แผนที่ถนนด้านหลังต้องใช้อินเทอร์เน็ต)",
    ),
    # layers
    "layer_zone": ("Safety zone", "พื้นที่ปลอดภัย"),
    "layer_nofly": ("No-fly areas", "เขตห้ามบิน"),
    "airport_ring": (
        "Airport ring {code}: flights need a recorded authorisation",
        "รัศมีสนามบิน {code}: ต้องมีการอนุญาตที่บันทึกไว้",
    ),
    "layer_communities": ("Communities", "ชุมชน"),
    "layer_hotspots": ("Hotspots", "จุดเสี่ยง"),
    "layer_cctv": ("CCTV cameras", "กล้องวงจรปิด"),
    "layer_launch": ("Launch sites", "จุดขึ้น-ลงของโดรน"),
    "layer_planned": ("Planned route {drone}", "เส้นทางตามแผน {drone}"),
    "layer_flown": ("Flown tracks {drone}", "เส้นทางที่บินจริง {drone}"),
    "layer_triggers": ("Camera triggers", "จุดสั่งถ่ายภาพ"),
    "layer_photos": ("Photos", "ภาพถ่าย"),
    "layer_footprints": ("Photo footprints", "พื้นที่ในภาพถ่าย"),
    "layer_uncovered": ("Not yet photographed", "พื้นที่ที่ยังไม่ได้ถ่ายภาพ"),
    "legend_title": ("Legend", "คำอธิบายสัญลักษณ์"),
    "cctv_working": ("working", "ใช้งานได้"),
    "cctv_broken": ("broken", "ชำรุด"),
    "cctv_covered": ("watched by a working CCTV", "มีกล้องวงจรปิดที่ใช้งานได้ครอบคลุม"),
    "cctv_not_covered": ("no working CCTV", "ไม่มีกล้องวงจรปิดที่ใช้งานได้"),
    "range": ("range", "ระยะ"),
    "reason": ("reason", "เหตุผล"),
    "kind": ("kind", "ประเภท"),
    "kind_bank": ("bank", "ธนาคาร"),
    "kind_gold_shop": ("gold shop", "ร้านทอง"),
    "kind_convenience_store": ("convenience store", "ร้านสะดวกซื้อ"),
    "kind_park": ("park", "สวนสาธารณะ"),
    "kind_landmark": ("landmark", "สถานที่สำคัญ"),
    "kind_market": ("market", "ตลาด"),
    "kind_school": ("school", "โรงเรียน"),
    "kind_incident": ("reported incidents", "จุดที่มีการแจ้งเหตุ"),
    "kind_other": ("other", "อื่น ๆ"),
    # popups
    "time": ("Time", "เวลา"),
    "altitude": ("Altitude", "ความสูง"),
    "above_home": ("m above home", "ม. เหนือจุดขึ้นบิน"),
    "heading": ("Heading", "ทิศทาง"),
    "file": ("File", "ไฟล์"),
    "open_photo": ("Open the full photo", "เปิดภาพขนาดเต็ม"),
    "zoom_in": ("{n} photos: click to zoom in", "ภาพ {n} ภาพ: คลิกเพื่อขยาย"),
    "flight_of": ("Flight of {drone}", "เที่ยวบินของ {drone}"),
    "start": ("start", "เริ่ม"),
    "trigger": ("Camera trigger {n}", "สั่งถ่ายภาพครั้งที่ {n}"),
    "uncovered_card": ("Not yet photographed: {ha} ha", "ยังไม่ได้ถ่ายภาพ: {ha} เฮกตาร์"),
    # units
    "u_km": ("km", "กม."),
    "u_h": ("h", "ชม."),
    "u_min": ("min", "นาที"),
    "u_m": ("m", "ม."),
    "u_s": ("s", "วินาที"),
    "u_ha": ("ha", "เฮกตาร์"),
}


class Strings:
    """The table in one language, plus dates and numbers written the way its readers expect."""

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
        self.lang = lang
        self._col = LANGS.index(lang) ^ 1  # TABLE rows are (English, Thai)

    def __getitem__(self, key: str) -> str:
        return TABLE[key][self._col]

    def fmt(self, key: str, **values: object) -> str:
        return self[key].format(**values)

    @property
    def months(self) -> tuple[str, ...]:
        return _MONTHS[self.lang]

    @property
    def year_offset(self) -> int:
        return _YEAR_OFFSET[self.lang]

    def date(self, t_s: float) -> str:
        """``2 ธ.ค. 2568`` / ``2 Dec 2025`` (Thai time)."""
        d = thai(t_s)
        return f"{d.day} {self.months[d.month - 1]} {d.year + self.year_offset}"

    def datetime(self, t_s: float) -> str:
        """``2 ธ.ค. 2568 14:25`` (Thai time, minutes)."""
        d = thai(t_s)
        return f"{self.date(t_s)} {d:%H:%M}"

    def iso_date(self, iso: str) -> str:
        """An ISO date (``2025-12-01``) as ``1 ธ.ค. 2568``."""
        y, m, d = (int(p) for p in iso.split("-"))
        return f"{d} {self.months[m - 1]} {y + self.year_offset}"

    def duration(self, seconds: float) -> str:
        """``1 ชม. 05 นาที`` / ``1 h 05 min``; under an hour ``12 min``."""
        minutes = round(seconds / 60.0)
        h, m = divmod(minutes, 60)
        return f"{h} {self['u_h']} {m:02d} {self['u_min']}" if h else f"{m} {self['u_min']}"

    def kind(self, kind: str) -> str:
        return TABLE.get(f"kind_{kind}", TABLE["kind_other"])[self._col]
