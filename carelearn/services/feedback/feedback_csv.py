"""Every feedback entry the viewer sees as a CSV file, streamed: comments only when asked for,
and hidden entries never (they are out of the counts too)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from ...content.themes import FEEDBACK_THEMES
from ...core.audit import record_event
from ...extensions import db
from ...models import FeedbackEntry, Team, User
from ...models.feedback import ASPECTS
from ..reporting.exports import BATCH, csv_lines, safe_cell
from ..reporting.permissions import managed_team_ids_query
from .insights import ANSWER_WORDS, ASPECT_WORDS
from .staff_log import KIND_WORDS

HEADER = ["Team", "Date", "Source", "Answer", "Kind", "Aspects", "Themes"]
SOURCE_WORDS = {"patient": "Patient", "staff": "Staff"}


def record_export(viewer: User, with_comments: bool) -> None:
    """The audit entry for a download of the feedback CSV; the caller commits."""
    record_event(
        "export", "user", viewer.id, actor_id=viewer.id, what="feedback", comments=with_comments
    )


def _aspects(entry_row) -> str:
    said = []
    for aspect in ASPECTS:
        value = getattr(entry_row, aspect)
        if value is not None:
            said.append(f"{ASPECT_WORDS[aspect]}: {'good' if value else 'could be better'}")
    return "; ".join(said)


def feedback_csv(viewer: User, with_comments: bool = False) -> Iterator[str]:
    """One row per entry of the teams the viewer sees, newest first."""
    columns = [
        Team.name,
        FeedbackEntry.received_on,
        FeedbackEntry.source,
        FeedbackEntry.answer,
        FeedbackEntry.kind,
        *(getattr(FeedbackEntry, a) for a in ASPECTS),
        FeedbackEntry.themes,
    ]
    if with_comments:
        columns.append(FeedbackEntry.comment)
    query = (
        select(*columns)
        .join(Team, Team.id == FeedbackEntry.team_id)
        .where(
            FeedbackEntry.team_id.in_(managed_team_ids_query(viewer)),
            FeedbackEntry.hidden_at.is_(None),
        )
        .order_by(FeedbackEntry.received_on.desc(), FeedbackEntry.id.desc())
    )

    def lines():
        # Run as the response streams, in the session the streaming opens (see completions_csv).
        for row in db.session.execute(query.execution_options(yield_per=BATCH)):
            line = [
                safe_cell(row.name),
                row.received_on.isoformat(),
                SOURCE_WORDS.get(row.source, row.source),
                ANSWER_WORDS.get(row.answer or "", ""),
                KIND_WORDS.get(row.kind or "", ""),
                _aspects(row),
                "; ".join(FEEDBACK_THEMES.get(t, t) for t in row.themes or []),
            ]
            if with_comments:
                line.append(safe_cell(row.comment))
            yield line

    return csv_lines(HEADER + (["Comment"] if with_comments else []), lines())
