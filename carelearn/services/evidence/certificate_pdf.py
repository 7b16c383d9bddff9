"""Certificates and a person's own training record drawn as PDF files.

fpdf2's built-in fonts need no font file to load, which keeps a certificate to a few
milliseconds (an evidence pack draws hundreds). They write Latin-1 only, so other characters
are written as their nearest plain letter (see `pdf_text`). The files name their language,
title, author and subject, and the QR code is a tagged figure with alternative text; the rest
of the text is not tagged, so they make no claim to PDF/UA.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image

from ...core.dates import format_day

MARGIN_MM = 20
QR_SIZE_MM = 40
QR_QUIET_MODULES = 4  # the blank border a scanner needs around the code
GREY = (90, 90, 90)

# Typographic marks Latin-1 lacks, and letters that do not decompose into a base letter.
_PLAIN = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "€": "EUR",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Œ": "OE",
        "œ": "oe",
        "ı": "i",
    }
)


def pdf_text(value: str) -> str:
    """`value` as the built-in fonts can write it: "Siân O’Neill" -> "Siân O'Neill",
    "Łukasz Wójcik" -> "Lukasz Wójcik"; a character with no plain form becomes "?"."""
    value = value.translate(_PLAIN)
    if all(ord(ch) < 256 for ch in value):
        return value
    plain = []
    for ch in value:
        if ord(ch) < 256:
            plain.append(ch)
            continue
        base = "".join(
            part
            for part in unicodedata.normalize("NFKD", ch)
            if ord(part) < 256 and not unicodedata.combining(part)
        )
        plain.append(base or "?")
    return "".join(plain)


@dataclass(frozen=True)
class SignOff:
    """Observed practice that a completion waited for."""

    observer: str
    observed_on: date
    items: int


@dataclass(frozen=True)
class CertificateFacts:
    holder: str
    module_title: str
    version_label: str
    completed_on: date
    score_percent: int
    method_words: str  # "quiz passed", "tested out"
    stops_counting_on: date | None  # its expiry, or the redo-by date of a newer version
    organisation: str
    code: str
    address: str
    sign_off: SignOff | None
    issued_at: datetime


def document(
    title: str, subject: str, author: str, created: datetime, landscape: bool = False
) -> FPDF:
    """A blank A4 document with its metadata: title, author, subject, language."""
    pdf = FPDF(orientation="L" if landscape else "P", format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, MARGIN_MM)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_subject(subject)
    pdf.set_creator("CareLearn")
    pdf.set_lang("en-GB")
    pdf.set_creation_date(created)
    return pdf


def _write(pdf: FPDF, height: float, text: str, new_x: XPos = XPos.LMARGIN) -> None:
    """Text from here to the right margin, then down a line: wrapped only when it does not fit
    on one, since wrapping measures it a character at a time (most of a certificate's cost)."""
    text = pdf_text(text)
    if pdf.get_string_width(text) < pdf.w - pdf.r_margin - pdf.get_x() - 2 * pdf.c_margin:
        pdf.cell(0, height, text, new_x=new_x, new_y=YPos.NEXT)
    else:
        pdf.multi_cell(0, height, text, new_x=new_x, new_y=YPos.NEXT)


def line(pdf: FPDF, text: str, size: float, style: str = "", height: float | None = None) -> None:
    """A paragraph across the page, then down to the next line."""
    pdf.set_font("helvetica", style, size)
    _write(pdf, height or size * 0.5, text)


def qr_image(address: str) -> Image.Image:
    """The QR code of `address`, one pixel per module with its quiet border: the PDF scales it
    up without smoothing. All eight of QR's masks are valid; segno's search for the most even
    one costs more than the rest of the certificate together, and a code printed this large
    reads as well with any, so one fixed mask is used."""
    matrix = segno.make_qr(address, error="m", mask=0).matrix
    side = len(matrix) + 2 * QR_QUIET_MODULES
    pixels = bytearray(b"\xff" * (side * side))
    for y, row in enumerate(matrix):
        start = (y + QR_QUIET_MODULES) * side + QR_QUIET_MODULES
        for x, dark in enumerate(row):
            if dark:
                pixels[start + x] = 0
    return Image.frombytes("L", (side, side), bytes(pixels))


def _fact(pdf: FPDF, label: str, value: str, mono: bool = False) -> None:
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(48, 7, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_font("courier" if mono else "helvetica", "", 11)
    _write(pdf, 7, value)


def expiry_words(stops_counting_on: date | None) -> str:
    return format_day(stops_counting_on) if stops_counting_on else "Does not expire"


def render_certificate(facts: CertificateFacts) -> bytes:
    pdf = document(
        title=f"Certificate: {facts.module_title}, {facts.holder}",
        subject=(
            f"{facts.holder} completed {facts.module_title} (version {facts.version_label}) "
            f"on {format_day(facts.completed_on)}. Certificate {facts.code}."
        ),
        author=facts.organisation,
        created=facts.issued_at,
    )
    pdf.add_page()
    pdf.set_text_color(*GREY)
    line(pdf, facts.organisation, 12, height=7)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    line(pdf, "Certificate of completion", 26, "B", height=13)
    pdf.ln(6)
    line(pdf, "This certifies that", 12, height=7)
    line(pdf, facts.holder, 22, "B", height=11)
    line(pdf, "has completed the module", 12, height=7)
    line(pdf, facts.module_title, 18, "B", height=9)
    line(pdf, f"Version {facts.version_label}", 12, height=7)
    pdf.ln(8)
    _fact(pdf, "Completed", format_day(facts.completed_on))
    _fact(pdf, "Score", f"{facts.score_percent}%")
    _fact(pdf, "How it was earned", facts.method_words.capitalize())
    _fact(pdf, "Expires", expiry_words(facts.stops_counting_on))
    if facts.sign_off is not None:
        items = facts.sign_off.items
        _fact(
            pdf,
            "Observed practice",
            f"Signed off by {facts.sign_off.observer} on "
            f"{format_day(facts.sign_off.observed_on)}: all {items} "
            f"{'item' if items == 1 else 'items'} met",
        )
    _fact(pdf, "Issued", format_day(facts.issued_at.date()))
    _fact(pdf, "Certificate code", facts.code, mono=True)
    pdf.ln(6)
    top = pdf.get_y()
    pdf.image(
        qr_image(facts.address),
        x=MARGIN_MM,
        y=top,
        w=QR_SIZE_MM,
        h=QR_SIZE_MM,
        alt_text=f"QR code that opens the verification page for this certificate: {facts.address}",
    )
    pdf.set_xy(MARGIN_MM + QR_SIZE_MM + 6, top + 4)
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, "Check this certificate", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("helvetica", "", 11)
    _write(pdf, 6, "Scan the code or open this address to see whether it still stands,", XPos.LEFT)
    _write(pdf, 6, "and to check a copy of this file:", XPos.LEFT)
    pdf.set_font("courier", "", 10)
    _write(pdf, 6, facts.address)
    return bytes(pdf.output())


def table(
    pdf: FPDF,
    heading: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[int] | None = None,
) -> None:
    """A section of the record: its heading (also a bookmark) and a table, or a line saying
    there is nothing. The column headings repeat on each page the table runs onto; `widths`
    are the columns' shares of the page's width."""
    pdf.start_section(heading)  # a bookmark in the file's outline
    pdf.ln(4)
    line(pdf, heading, 15, "B", height=9)
    if not rows:
        line(pdf, "None.", 11, height=7)
        return
    pdf.set_font("helvetica", "", 9)
    with pdf.table(line_height=5, first_row_as_headings=True, col_widths=widths) as drawn:
        for cells in (columns, *rows):
            row = drawn.row()
            for cell in cells:
                row.cell(pdf_text(cell))
