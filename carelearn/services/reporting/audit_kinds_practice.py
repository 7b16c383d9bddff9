"""The sentences of observed practice's audit entries (see audit_kinds.py): observations, their
feedback read, practice supervisors named and removed, and the observations CSV downloaded."""

from __future__ import annotations

from .audit_sentences import PERSON, SLUG, Said, describes

EXPORT_WORDS = {
    "observations": "observed practice",
    "matrix": "compliance matrix",
    "completions": "completions",
    "huddles": "huddles",
}


@describes("observation.record", "Practice observed", module=SLUG)
def _observed(s: Said) -> str:
    if s.d.get("outcome") == "met":
        verdict = "signed off, every item met"
    else:
        verdict = f"{s.count('not_met', 'item', 'items')} not yet met"
    module = s.name(SLUG, s.d.get("module"))
    return f"{s.actor} observed {s.subject} at work on {module}: {verdict}"


@describes("observation.acknowledge", "Observation feedback read")
def _observation_read(s: Said) -> str:
    return f"{s.subject} read the feedback on their observed practice"


@describes("supervisor.name", "Practice supervisor named", user_id=PERSON)
def _supervisor_named(s: Said) -> str:
    person = s.name(PERSON, s.d.get("user_id"))
    return f"{s.actor} named {person} a practice supervisor of {s.subject}"


@describes("supervisor.remove", "Practice supervisor removed", user_id=PERSON)
def _supervisor_removed(s: Said) -> str:
    person = s.name(PERSON, s.d.get("user_id"))
    return f"{s.actor} stopped {person} supervising practice in {s.subject}"


@describes("export", "CSV downloaded")
def _exported(s: Said) -> str:
    what = s.d.get("what")
    if not what:
        return f"{s.actor} downloaded a CSV file"
    return f"{s.actor} downloaded the {EXPORT_WORDS.get(what, what)} CSV"
