"""The sentences of the feedback audit entries (see audit_kinds.py): feedback staff logged,
comments hidden and shown again, and "You said, we did" posted and removed. None of them holds
what was written, only what was done (and, for hiding, why)."""

from __future__ import annotations

from ...content.themes import FEEDBACK_THEMES
from .audit_sentences import Said, describes

THEME_WORDS_SHOWN = 3


@describes("feedback.log", "Feedback logged")
def _feedback_logged(s: Said) -> str:
    kind = str(s.d.get("kind") or "feedback")
    themes = ", ".join(
        FEEDBACK_THEMES.get(str(t), str(t)).lower()
        for t in (s.d.get("themes") or [])[:THEME_WORDS_SHOWN]
    )
    about = f" about {themes}" if themes else ""
    return f"{s.actor} logged a {kind} they heard for {s.subject}{about}"


@describes("feedback.hide", "Feedback comment hidden")
def _feedback_hidden(s: Said) -> str:
    return (
        f"{s.actor} hid a comment about {s.subject} (entry {s.d.get('entry_id')}): "
        f"“{s.d.get('reason')}”"
    )


@describes("feedback.unhide", "Feedback comment shown again")
def _feedback_shown(s: Said) -> str:
    return (
        f"{s.actor} showed a hidden comment about {s.subject} again (entry {s.d.get('entry_id')})"
    )


@describes("you_said.post", "“You said, we did” posted")
def _you_said_posted(s: Said) -> str:
    return f"{s.actor} posted a “You said, we did” for {s.subject}"


@describes("you_said.remove", "“You said, we did” removed")
def _you_said_removed(s: Said) -> str:
    return f"{s.actor} removed a “You said, we did” of {s.subject} from its public page"


# The staff pulse's rounds (answering it writes no entry), and learners' ratings of modules
# (never who, the stars or the comment: admins read those without names).


@describes("pulse.open", "Staff pulse opened")
def _pulse_opened(s: Said) -> str:
    return f"{s.actor} opened the staff pulse for {s.d.get('quarter')}, until {s.day('closes_on')}"


@describes("pulse.close", "Staff pulse closed")
def _pulse_closed(s: Said) -> str:
    return f"{s.actor} closed the staff pulse for {s.d.get('quarter')} early"


@describes("rating.save", "Module rated")
def _module_rated(s: Said) -> str:
    verb = "rated" if s.d.get("first") else "changed their rating of"
    return f"A learner {verb} {s.subject} (version {s.d.get('version')})"
