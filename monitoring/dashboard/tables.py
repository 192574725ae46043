"""Figures as tables of linked numbers: what the pages show and the Excel files contain.

A page and its export are built from the same `Table` objects, so they cannot disagree. A cell
knows its kind (count, days, rate, text), how it is shown, and the admin list it counts; a
chart is drawn from a table's own columns, so every chart has its table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


@dataclass
class Cell:
    value: object = None
    kind: str = "count"  # count | days | rate | signed | decimal | text
    url: str = ""
    # Whether `value` is the number of rows of the linked list (tests follow such links).
    counts_link: bool = False

    def text(self) -> str:
        v = self.value
        if v is None or v == "":
            return "—" if self.kind != "text" else ""
        if self.kind == "rate":
            return f"{v * 100:.1f}%"
        if self.kind == "days":
            return f"{v:.2f}"
        if self.kind == "signed":
            return f"{v:+.2f}"
        return str(v)

    def export_value(self):
        """The number written to Excel (formatted there like `text()`)."""
        v = self.value
        if v is None or v == "":
            return None
        if self.kind == "rate":
            return round(v, 4)
        if self.kind in ("days", "signed"):
            return round(v, 2)
        if self.kind == "decimal":  # a Decimal shown as stored (points, yuan)
            return float(v)
        return v

    @property
    def number_format(self) -> str:
        return {"rate": "0.0%", "days": "0.00", "signed": "+0.00;-0.00;0.00"}.get(
            self.kind, "General"
        )


def total_label() -> str:
    return _("合计")


def is_total(row: list[Cell]) -> bool:
    return bool(row) and row[0].kind == "text" and row[0].value == total_label()


def count(value, url: str = "") -> Cell:
    return Cell(value or 0, "count", url, counts_link=bool(url))


def days(value, url: str = "") -> Cell:
    return Cell(value, "days", url)


def rate(value, url: str = "") -> Cell:
    return Cell(value, "rate", url)


def text(value, url: str = "") -> Cell:
    return Cell("" if value is None else str(value), "text", url)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Chart:
    kind: str  # bar | line | stacked
    series: list[int]  # column indexes drawn; column 0 labels the rows
    axis_right: list[int] = field(default_factory=list)  # columns drawn on a right-hand axis
    horizontal: bool = False

    def data(self, table: Table) -> dict:
        rows = [row for row in table.rows if not is_total(row)]
        return {
            "kind": self.kind,
            "horizontal": self.horizontal,
            "labels": [row[0].text() for row in rows],
            "datasets": [
                {
                    "label": table.columns[i],
                    "data": [
                        None if row[i].export_value() is None else row[i].export_value()
                        for row in rows
                    ],
                    "percent": table.rows[0][i].kind == "rate" if table.rows else False,
                    "right": i in self.axis_right,
                    "line": self.kind == "line" or i in self.axis_right,
                }
                for i in self.series
            ],
        }


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    chart: Chart | None = None

    def chart_data(self) -> dict | None:
        """Nothing to draw when only the total row is there (its table says so)."""
        if self.chart is None or not any(not is_total(row) for row in self.rows):
            return None
        return self.chart.data(self)

    def body_html(self) -> SafeString:
        """The table's rows as HTML: built here rather than in the template, whose per-node
        cost dominated the page's render time at a few thousand cells."""
        if not self.rows:
            return format_html(
                '<tr><td colspan="{}" class="dash-empty">{}</td></tr>',
                len(self.columns),
                _("无数据"),
            )
        html = []
        for row in self.rows:
            html.append('<tr class="dash-total">' if is_total(row) else "<tr>")
            for cell in row:
                text = escape(cell.text())
                if cell.url:
                    text = f'<a href="{escape(cell.url)}">{text}</a>'
                html.append(f'<td class="k-{cell.kind}">{text}</td>')
            html.append("</tr>")
        return mark_safe("".join(html))  # every piece escaped above

    def as_lists(self) -> list[list]:
        """The table as plain values, header first (tests compare pages and exports with it)."""
        return [self.columns, *([c.export_value() for c in row] for row in self.rows)]


@dataclass
class Report:
    """A page: a title, what it covers, and its tables in order."""

    title: str
    subtitle: list[tuple[str, str]]  # (label, value) lines: period, unit, filters
    tables: list[Table]
    filename: str

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)
