"""The evidence pack's one-page summary: who asked, for what, and each top team's figures on the
day, counted as the dashboard counts them (services/reporting/reports.team_figures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from fpdf import FPDF

from ...core.dates import format_day, format_moment
from ..training.status import Status
from .as_at import RecordAsAt

PEOPLE_NOTE = (
    "People as in their teams today: moves between teams are not recorded, so each person is "
    "counted in the team they are in now, with their job role of today. People who joined after "
    "the day are left out; people who have left since are in, as they were still here then."
)


@dataclass
class TeamTally:
    """One top team's figures on the day, over its people's required training."""

    team_id: int
    name: str
    people: int = 0
    assigned: int = 0
    done: int = 0
    overdue: int = 0
    expiring: int = 0
    awaiting_sign_off: int = 0

    @property
    def completion_percent(self) -> int | None:
        return self.done * 100 // self.assigned if self.assigned else None

    def add_person(self, records: list[RecordAsAt]) -> None:
        self.people += 1
        for record in records:
            if record.due_on is None:  # optional: counts in no figure (requirement.py)
                continue
            self.assigned += 1
            self.done += record.status.is_done
            self.overdue += record.status == Status.OVERDUE
            self.expiring += record.status == Status.EXPIRING
            self.awaiting_sign_off += record.status == Status.AWAITING_SIGN_OFF


@dataclass
class SummaryFacts:
    organisation: str
    scope: str  # "The whole organisation" or the teams' names
    as_at: date
    period_from: date
    generated_at: datetime
    requested_by: str
    teams: list[TeamTally] = field(default_factory=list)
    people: int = 0
    certificates: int = 0
    sign_offs: int = 0
    observations: int = 0
    huddles: int = 0
    audit_entries: int = 0


_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


def _plain(text: str) -> str:
    """The PDF's built-in fonts hold Latin-1 only: typographic marks become their plain forms and
    anything else outside it a question mark, rather than failing the whole pack."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def summary_pdf(facts: SummaryFacts) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title("Evidence pack")
    pdf.set_author("CareLearn")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, _plain(f"Evidence pack: {facts.organisation}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for label, value in (
        ("Scope", facts.scope),
        ("As at", format_day(facts.as_at)),
        ("Audit entries from", f"{format_day(facts.period_from)} to {format_day(facts.as_at)}"),
        ("Generated", f"{format_moment(facts.generated_at)} UTC"),
        ("Asked for by", facts.requested_by),
    ):
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(40, 6, _plain(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 6, _plain(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _figures_table(pdf, facts.teams)
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "In this pack", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for line in (
        f"matrix.csv: {facts.people:,} people, every module published by the day",
        f"certificates/: {facts.certificates:,} certificates of completions valid on the day",
        f"observations.csv: {facts.observations:,} observations of practice, "
        f"{facts.sign_offs:,} of them signed off",
        f"huddles.csv: {facts.huddles:,} huddles held in the period",
        f"audit.csv: {facts.audit_entries:,} audit entries about these people or by them",
    ):
        pdf.cell(0, 6, _plain(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(0, 5, _plain(PEOPLE_NOTE), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        5,
        _plain(
            "Figures count required training only, as the dashboard does: completed includes "
            "completions in their last 30 days (expiring)."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


_COLUMNS = (
    ("Team", 58),
    ("People", 18),
    ("Required", 20),
    ("Completed", 22),
    ("Overdue", 18),
    ("Expiring", 18),
    ("Awaiting sign-off", 32),
)


def _figures_table(pdf: FPDF, teams: list[TeamTally]) -> None:
    pdf.set_font("Helvetica", "B", 9)
    for title, width in _COLUMNS:
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for team in teams:
        percent = team.completion_percent
        values = (
            team.name[:34],
            f"{team.people:,}",
            f"{team.assigned:,}",
            "-" if percent is None else f"{percent} %",
            f"{team.overdue:,}",
            f"{team.expiring:,}",
            f"{team.awaiting_sign_off:,}",
        )
        for (_title, width), value in zip(_COLUMNS, values, strict=True):
            pdf.cell(width, 7, _plain(value), border=1)
        pdf.ln()
    if not teams:
        pdf.cell(0, 7, "No teams in this scope.", new_x="LMARGIN", new_y="NEXT")
