"""A printable Chinese HTML page with server-rendered SVG charts (no JavaScript), from a ``Document``.

Every figure cell carries ``data-row`` (the unit) and ``data-col`` (the figure), so a reader, a
script or a test can find a number on the rendered page.
"""

from __future__ import annotations

from html import escape
from typing import Any

from api.render.documents import Column, Document

HTML = "text/html; charset=utf-8"
COLORS = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646")
STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; text-align: center; margin-bottom: 4px; }
p.subtitle { text-align: center; color: #555; margin-top: 0; }
h2 { font-size: 16px; border-left: 4px solid #1f4e79; padding-left: 8px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { border: 1px solid #999; padding: 3px 6px; }
th { background: #1f4e79; color: #fff; font-weight: normal; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #eef3f8; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
svg text { font-size: 11px; }
dl dt { font-weight: bold; margin-top: 6px; } dl dd { margin-left: 1.5em; }
@media print { body { margin: 10mm; } h2 { break-after: avoid; } table, svg { break-inside: avoid; } @page { size: A4 landscape; } }
"""


def to_html(document: Document, *, generated: str, back: tuple[str, str] | None = None) -> bytes:
    """The printable page; ``back`` (address, words) adds a link to where the reader came from (not printed)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(document.title)}</title><style>{STYLE} @media print {{ nav {{ display: none; }} }}</style></head><body>",
        *([f'<nav><a id="back" href="{escape(back[0])}">{escape(back[1])}</a></nav>'] if back else []),
        f"<h1>{escape(document.title)}</h1>",
        f'<p class="subtitle">{escape(document.subtitle)}<br>生成时间：{escape(generated)}</p>',
    ]
    if document.charts:
        parts.append('<h2>图表</h2><div class="charts">')
        parts += [chart(c) for c in document.charts]
        parts.append("</div>")
    for sheet in document.sheets:
        parts.append(f"<h2>{escape(sheet.name)}</h2>")
        parts.append(_table(sheet.columns, sheet.rows, sheet.key, sheet.name))
    parts.append("<h2>说明（条款与统计口径）</h2><dl>")
    parts += [f"<dt>{escape(h)}</dt><dd>{escape(t)}</dd>" for h, t in document.notes]
    parts.append("</dl></body></html>")
    return "\n".join(parts).encode("utf-8")


def _table(columns: list[Column], rows: list[dict[str, Any]], key: str, name: str) -> str:
    if not rows:
        return "<p>无</p>"
    head = "".join(f"<th>{escape(c.header)}</th>" for c in columns)
    body = []
    for row in rows:
        css = ' class="total"' if row.get("kind") == "total" else ""
        cells = []
        for c in columns:
            value = c.value(row)
            css_class = ' class="n"' if c.kind != "text" else ""
            row_key, col_key = escape(str(row.get(key, ""))), escape(c.key)
            cells.append(f'<td{css_class} data-row="{row_key}" data-col="{col_key}">{escape(_shown(c, value))}</td>')
        body.append(f"<tr{css}>{''.join(cells)}</tr>")
    return f'<table data-sheet="{escape(name)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _shown(column: Column, value: Any) -> str:
    if value is None:
        return "—"
    if column.kind == "rate":
        return f"{value * 100:.1f}%"
    if column.kind == "score":
        return f"{value:.2f}"
    return str(value)


# ------------------------------------------------------------------ charts


def chart(spec: dict[str, Any]) -> str:
    kind = spec["kind"]
    if kind == "lines":
        return _lines(spec)
    return _bars(spec, percent=kind == "bars", maximum=100.0 if kind == "scores" else None)


def _bars(spec: dict[str, Any], *, percent: bool, maximum: float | None) -> str:
    """Horizontal bars: a group per label, a bar per series."""
    labels, series = spec["labels"], spec["series"]
    values = [[(v * 100 if percent and v is not None else v) for v in vs] for _, vs in series]
    top = 100.0 if percent else (maximum or max([v for vs in values for v in vs if v is not None] + [1]))
    bar, gap, left, width = 10, 8, 150, 360
    group = bar * len(series) + gap
    height = 40 + group * max(len(labels), 1) + 20 * len(series)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 60}" height="{height}" role="img" aria-label="{escape(spec["title"])}">']
    out.append(f'<text x="4" y="16" font-weight="bold">{escape(spec["title"])}</text>')
    for i, label in enumerate(labels):
        y0 = 30 + i * group
        out.append(f'<text x="{left - 6}" y="{y0 + group / 2}" text-anchor="end">{escape(str(label))}</text>')
        for s, vs in enumerate(values):
            v = vs[i]
            y = y0 + s * bar
            if v is None:
                out.append(f'<text x="{left + 4}" y="{y + bar - 1}" fill="#999">—</text>')
                continue
            w = width * v / top if top else 0
            shown = f"{v:.1f}%" if percent else f"{v:g}"
            out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 1}" fill="{COLORS[s % len(COLORS)]}"><title>{escape(series[s][0])}：{shown}</title></rect>')
            out.append(f'<text x="{left + w + 3:.1f}" y="{y + bar - 1}">{shown}</text>')
    out.append(f'<line x1="{left}" y1="26" x2="{left}" y2="{30 + group * len(labels)}" stroke="#333"/>')
    out += _legend([name for name, _ in series], 4, 40 + group * max(len(labels), 1))
    out.append("</svg>")
    return "".join(out)


def _lines(spec: dict[str, Any]) -> str:
    """A line per series over the labels (months), 0-100%; gaps where a month had nothing to measure."""
    labels, series = spec["labels"], spec["series"]
    left, top, width, height = 40, 30, 520, 200
    step = width / max(len(labels) - 1, 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 40}" height="{top + height + 70}" role="img" aria-label="{escape(spec["title"])}">']
    out.append(f'<text x="4" y="16" font-weight="bold">{escape(spec["title"])}</text>')
    for pct in (0, 25, 50, 75, 100):
        y = top + height - height * pct / 100
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + width}" y2="{y:.1f}" stroke="#ddd"/><text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{pct}</text>')
    for i, label in enumerate(labels):
        x = left + i * step
        out.append(f'<text x="{x:.1f}" y="{top + height + 16}" text-anchor="middle">{escape(str(label)[2:])}</text>')
    for s, (name, values) in enumerate(series):
        color = COLORS[s % len(COLORS)]
        segment: list[str] = []
        for i, v in enumerate(values + [None]):
            if v is None:
                if len(segment) > 1:
                    out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(segment)}"/>')
                segment = []
                continue
            x, y = left + i * step, top + height - height * v
            segment.append(f"{x:.1f},{y:.1f}")
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>{escape(name)} {escape(str(labels[i]))}：{v * 100:.1f}%</title></circle>')
    out += _legend([name for name, _ in series], 4, top + height + 34)
    out.append("</svg>")
    return "".join(out)


def _legend(names: list[str], x: int, y: float) -> list[str]:
    out = []
    for s, name in enumerate(names):
        out.append(f'<rect x="{x + s * 130}" y="{y:.0f}" width="10" height="10" fill="{COLORS[s % len(COLORS)]}"/>')
        out.append(f'<text x="{x + s * 130 + 14}" y="{y + 9:.0f}">{escape(name)}</text>')
    return out
