"""A team's A4 feedback poster for a waiting room: its name and promise, the QR code of its
public feedback form, and the form's short address for anyone who would rather type it. As a
PNG (to share or print), an SVG (for a print shop or a designer) and a PDF (to print here)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import segno
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

CALL = "Tell us how we did"
SCAN = "Scan the code with your phone's camera"
TYPE = "or type this address:"
PROMISE_LEAD = "Our promise:"
QUICK = "It takes about a minute. No sign-in, and we do not ask who you are."

# A font with accents and Welsh letters when the machine has one; otherwise Pillow's own (and,
# in the PDF, Helvetica), whose letters are fewer.
_FONT_NAMES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


@dataclass(frozen=True)
class PosterFacts:
    team_name: str
    promise: str | None
    address: str  # the form's full address, which the QR code holds

    @property
    def short_address(self) -> str:
        """The address as people type it: without https://."""
        return self.address.split("://", 1)[-1]


def _qr(facts: PosterFacts) -> segno.QRCode:
    # Medium error correction: a poster gets creased, faded and photographed at an angle.
    return segno.make(facts.address, error="m", micro=False)


@cache
def _font_file(name: str) -> Path | None:
    for folder in _FONT_DIRS:
        found = next(folder.rglob(name), None) if folder.is_dir() else None
        if found:
            return found
    return None


def _png_font(size: int, bold: bool = False):
    path = _font_file(_FONT_NAMES[bold])
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(path), size)


# -- PNG: A4 at 150 dots per inch ----------------------------------------------------------------

_PNG_SIZE = (1240, 1754)


def poster_png(facts: PosterFacts) -> bytes:
    width, height = _PNG_SIZE
    image = Image.new("RGB", _PNG_SIZE, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width, 170], fill="#005a9c")
    y = _centred(draw, [CALL], _png_font(84, bold=True), 40, fill="white")
    name_font = _png_font(64, bold=True)
    y = _centred(draw, _wrapped(draw, facts.team_name, name_font), name_font, 230)
    if facts.promise:
        font = _png_font(40)
        y = _centred(draw, [PROMISE_LEAD, *_wrapped(draw, facts.promise, font)], font, y + 20)
    qr = Image.open(BytesIO(_qr_png(facts, scale=20))).convert("RGB")
    side = min(760, height - y - 380)
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    image.paste(qr, ((width - side) // 2, y + 30))
    y += 30 + side + 20
    y = _centred(draw, [SCAN, TYPE], _png_font(40), y)
    y = _centred(draw, [facts.short_address], _png_font(48, bold=True), y + 10)
    _centred(draw, _wrapped(draw, QUICK, _png_font(32)), _png_font(32), y + 30, fill="#4a5866")
    out = BytesIO()
    # A few dozen colours are all a poster of text and squares has: a small file, made quickly.
    image.quantize(colors=32, method=Image.Quantize.FASTOCTREE).save(out, "PNG")
    return out.getvalue()


def _qr_png(facts: PosterFacts, scale: int) -> bytes:
    out = BytesIO()
    _qr(facts).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _wrapped(draw: ImageDraw.ImageDraw, text: str, font, max_width: int = 1080) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _centred(draw, lines: list[str], font, y: int, fill: str = "#1d2733") -> int:
    """Draw each line centred from `y` down; returns the y below the last."""
    width = _PNG_SIZE[0]
    for line in lines:
        left, top, right, bottom = draw.textbbox((0, 0), line, font=font)
        draw.text(((width - (right - left)) / 2, y), line, font=font, fill=fill)
        y += int((bottom - top) * 1.35) + 4
    return y


# -- SVG: A4 in millimetres ----------------------------------------------------------------------


def poster_svg(facts: PosterFacts) -> str:
    qr = _qr(facts)
    modules = qr.symbol_size(border=4)[0]
    side = 120  # mm
    lines = [_svg_text(CALL, 21, 14, bold=True, fill="#fff")]
    y = 50.0
    for line in textwrap.wrap(facts.team_name, 26):
        lines.append(_svg_text(line, y, 12, bold=True))
        y += 14
    if facts.promise:
        for line in [PROMISE_LEAD, *textwrap.wrap(facts.promise, 48)]:
            lines.append(_svg_text(line, y, 7))
            y += 9
    qr_top = y + 2
    y = qr_top + side + 10
    for line, size, bold in ((SCAN, 7, False), (TYPE, 7, False), (facts.short_address, 8, True)):
        lines.append(_svg_text(line, y, size, bold=bold))
        y += 10
    for line in textwrap.wrap(QUICK, 60):
        lines.append(_svg_text(line, y + 4, 5.5, fill="#4a5866"))
        y += 7
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        'viewBox="0 0 210 297" font-family="DejaVu Sans, Arial, sans-serif">\n'
        f"<title>{escape(CALL)}: {escape(facts.team_name)}</title>\n"
        '<rect width="210" height="297" fill="#fff"/>\n'
        '<rect width="210" height="32" fill="#005a9c"/>\n'
        + "\n".join(lines)
        + f'\n<g transform="translate({(210 - side) / 2:g} {qr_top:g}) scale({side / modules:g})">'
        f'<rect width="{modules}" height="{modules}" fill="#fff"/>'
        f"{qr.svg_inline(scale=1, border=4)}</g>\n</svg>\n"
    )


def _svg_text(text: str, y: float, size: float, bold: bool = False, fill: str = "#1d2733") -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="105" y="{y:g}" font-size="{size:g}" text-anchor="middle"{weight} '
        f"fill={quoteattr(fill)}>{escape(text)}</text>"
    )


# -- PDF: A4 -------------------------------------------------------------------------------------


def poster_pdf(facts: PosterFacts) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(f"{CALL}: {facts.team_name}")
    pdf.set_author("CareLearn")
    family, plain = _pdf_font(pdf)
    pdf.add_page()
    pdf.set_fill_color(0, 90, 156)
    pdf.rect(0, 0, 210, 32, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(family, "B", 32)
    pdf.set_xy(10, 8)
    pdf.cell(190, 16, plain(CALL), align="C")
    pdf.set_text_color(29, 39, 51)
    pdf.set_xy(15, 40)
    pdf.set_font(family, "B", 28)
    pdf.multi_cell(180, 12, plain(facts.team_name), align="C", new_x="LMARGIN", new_y="NEXT")
    if facts.promise:
        pdf.ln(4)
        pdf.set_font(family, "", 16)
        pdf.set_x(15)
        text = f"{PROMISE_LEAD} {facts.promise}"
        pdf.multi_cell(180, 8, plain(text), align="C", new_x="LMARGIN", new_y="NEXT")
    side = 115
    top = pdf.get_y() + 6
    pdf.image(Image.open(BytesIO(_qr_png(facts, scale=10))), x=(210 - side) / 2, y=top, w=side)
    pdf.set_xy(15, top + side + 6)
    pdf.set_font(family, "", 16)
    pdf.multi_cell(180, 8, plain(f"{SCAN}\n{TYPE}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(15)
    pdf.set_font(family, "B", 20)
    pdf.multi_cell(180, 10, plain(facts.short_address), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(15)
    pdf.set_font(family, "", 12)
    pdf.set_text_color(74, 88, 102)
    pdf.multi_cell(180, 7, plain(QUICK), align="C")
    return bytes(pdf.output())


def _pdf_font(pdf: FPDF):
    """The font family to use, and how to make text fit it."""
    regular, bold = (_font_file(name) for name in _FONT_NAMES)
    if regular and bold:
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu", str
    # Helvetica holds Latin-1 only: anything else becomes a question mark rather than failing.
    return "Helvetica", lambda text: text.encode("latin-1", "replace").decode("latin-1")
