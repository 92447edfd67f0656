"""A problem found in a zone file, and how it is worded for planners."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One problem. ``feature`` is the 0-based index in ``features`` (None: the whole file);
    ``where`` is (lon, lat) degrees or, for JSON syntax errors, None with ``line``/``column``."""

    severity: str  # "error" or "warning"
    message: str
    hint: str = ""
    feature: int | None = None
    name: str | None = None
    where: tuple[float, float] | None = None
    line: int | None = None
    column: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def format(self, source: str) -> str:
        """``roiet.geojson: feature 3 "Central bank": ring self-intersects at 103.6551 16.0552 — fix
        the polygon or run with --fix``"""
        head = source
        if self.line is not None:
            head += f":{self.line}:{self.column}"
        if self.feature is not None:
            head += f": feature {self.feature}"
            if self.name:
                head += f' "{self.name}"'
        text = f"{head}: {self.message}"
        if self.where is not None:
            text += f" at {self.where[0]:.6f} {self.where[1]:.6f}"
        if self.hint:
            text += f" — {self.hint}"
        return text

    def to_json(self, source: str) -> dict:
        d = asdict(self)
        d["where"] = list(self.where) if self.where else None
        d["text"] = self.format(source)
        return d
