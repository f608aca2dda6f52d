"""A report as an HTTP answer in the format asked for: JSON, CSV, xlsx (downloads) or the printable page.

Shared by the API's report routes and the console's, so a report reads the same wherever it is opened.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response

from api.render.documents import Document
from api.render.page import HTML, to_html
from api.render.tabular import CSV, XLSX, to_csv, to_xlsx

MEDIA = {"json": "application/json", "csv": CSV, "xlsx": XLSX, "html": HTML}


def report_response(report: dict[str, Any], document: Document, fmt: str, generated: str, *, back: tuple[str, str] | None = None) -> Response:
    """``fmt`` one of ``MEDIA``; CSV and xlsx come as attachments named after the report; ``back``: see ``to_html``."""
    if fmt == "json":
        return Response(orjson.dumps(report), media_type=MEDIA["json"])
    if fmt == "html":
        return Response(to_html(document, generated=generated, back=back), media_type=HTML)
    body, extension = (to_csv(document), "csv") if fmt == "csv" else (to_xlsx(document), "xlsx")
    disposition = f'attachment; filename="{document.filename}.{extension}"'
    return Response(body, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition})
