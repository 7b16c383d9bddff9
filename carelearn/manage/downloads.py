"""The managers' CSV downloads: streamed a piece at a time, named by what and when, never cached."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context

from ..core.clock import today


def csv_download(lines: Iterator[str], name: str) -> Response:
    filename = f"carelearn-{name}-{today().isoformat()}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
