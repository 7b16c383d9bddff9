"""The Help page: whom to ask, in Markdown an admin edits; a standard text until they do.

The page is public (people who cannot log in need it most), so it must never hold anything
private; the admin page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markdown_it import MarkdownIt

from ...content.markdown import markdown_problems, render_lesson
from ...core.audit import record_event
from ...core.clock import utcnow
from ...extensions import db
from ...models import HelpPage

HELP_PAGE_ID = 1  # the one row
HELP_MAX_CHARS = 5000

DEFAULT_HELP = """\
## Whom to ask

- **About your training** (which modules you need and by when): ask your manager, or the
  training lead for your area.
- **If you cannot log in**: use "Forgot your password?" on the log-in page. If no email
  arrives within a few minutes, check your junk folder, then ask your manager to send you a new
  invitation.
- **If a page looks wrong or does not work**: tell your manager which page it was and what you
  were doing.

## Using CareLearn

Lessons save your place as you go: you can stop at any time and carry on later, on any device.
The quiz opens when you have read every lesson, and every answer is explained afterwards.
"""


@dataclass(frozen=True)
class HelpText:
    markdown: str
    html: str
    is_standard: bool  # nobody has written the organisation's own text yet
    updated_at: datetime | None


def help_text() -> HelpText:
    page = db.session.get(HelpPage, HELP_PAGE_ID)
    if page is None:
        return HelpText(DEFAULT_HELP, render_lesson(DEFAULT_HELP), True, None)
    return HelpText(page.body, render_lesson(page.body), False, page.updated_at)


def help_problems(markdown_text: str) -> list[str]:
    """What to fix before the text can be saved, in words for the admin writing it."""
    if not markdown_text.strip():
        return ["Enter the help text: at least whom people should ask."]
    if len(markdown_text) > HELP_MAX_CHARS:
        return [f"Keep the help text to {HELP_MAX_CHARS} characters or fewer."]
    problems = [f"Line {line}: {message}." for line, message in markdown_problems(markdown_text)]
    level = 1  # the page's own title
    for token in MarkdownIt("commonmark").parse(markdown_text):
        if token.type == "heading_open":
            found = int(token.tag[1])
            if found > level + 1:
                line = token.map[0] + 1 if token.map else 1
                problems.append(
                    f"Line {line}: a heading with {'#' * found} must follow one with "
                    f"{'#' * (found - 1)}: start with ## and go down one level at a time."
                )
            level = found
    return problems


def save_help_text(markdown_text: str, actor_id: int) -> bool:
    """Store the text (checked already: see help_problems) and record who changed it. Returns
    False when it is the same as before (nothing is changed or recorded)."""
    text = markdown_text.replace("\r\n", "\n").strip() + "\n"
    page = db.session.get(HelpPage, HELP_PAGE_ID)
    if page is not None and page.body == text:
        return False
    if page is None:
        page = HelpPage(id=HELP_PAGE_ID, body=text)
        db.session.add(page)
    page.body, page.updated_at, page.updated_by_id = text, utcnow(), actor_id
    record_event("help.update", "help_page", HELP_PAGE_ID, actor_id=actor_id, characters=len(text))
    return True
