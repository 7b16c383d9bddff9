"""The sentence for each kind of audit entry (see audit_sentences.py). A new kind of entry gets
a describer here; until it has one, it still reads as a plain line."""

from __future__ import annotations

from .audit_sentences import (
    MODULE,
    PATH,
    PERSON,
    ROLE,
    SLUG,
    TEAM,
    Said,
    describes,
    listed,
)

KIND_WORDS = {
    "organisation": "organisation",
    "directorate": "directorate",
    "department": "department",
    "team": "team",
}
ROLE_WORDS = {"admin": "an admin", "manager": "a manager", "learner": "a learner"}


# -- Training ------------------------------------------------------------------------------------


def _what_assigned(s: Said) -> str:
    if s.d.get("path_id"):
        return f"the learning path {s.name(PATH, s.d['path_id'])}"
    modules = s.d.get("modules") or ([s.event.subject_id] if s.event.subject_id else [])
    if not modules:
        return "training"
    return listed([s.name(MODULE, m) for m in modules])


def _assigned_to(s: Said) -> str:
    people = s.count("people", "person", "people")
    if s.d.get("team_id"):
        return f"{s.name(TEAM, s.d['team_id'])} ({people})"
    if s.d.get("job_role_id"):
        return f"every {s.name(ROLE, s.d['job_role_id']).lower()} ({people})"
    user_ids = s.d.get("user_ids") or []
    if len(user_ids) == 1:
        return s.name(PERSON, user_ids[0])
    return people


@describes(
    "assignment.create",
    "Training assigned",
    modules=MODULE,
    path_id=PATH,
    team_id=TEAM,
    job_role_id=ROLE,
    user_ids=PERSON,
)
def _assigned(s: Said) -> str:
    what, to, due = _what_assigned(s), _assigned_to(s), s.day("due_on")
    if s.d.get("version_id"):
        return f"{s.actor} assigned {what} again to {to}, as a new version came out, due {due}"
    if s.d.get("source") == "recertification":
        return (
            f"{s.actor} assigned {what} again to {to}, as their completion had expired, due {due}"
        )
    if s.d.get("source") == "rule":
        return f"{s.actor} assigned {what} to {to} by an onboarding rule, due {due}"
    return f"{s.actor} assigned {what} to {to}, due {due}"


@describes("completion.create", "Module completed", module=SLUG)
def _completed(s: Said) -> str:
    module = s.name(SLUG, s.d.get("module"))
    sentence = f"{s.actor} completed {module}"
    if s.d.get("method") == "tested_out":
        sentence += " by testing out"
    elif s.d.get("method") == "prior_learning":
        sentence = f"{s.actor} recorded {module} as completed through recognised prior learning"
    if s.d.get("score") is not None:
        sentence += f" with {s.d['score']} %"
    if s.d.get("version"):
        sentence += f" (version {s.d['version']})"
    if s.d.get("expires_on"):
        sentence += f", valid until {s.day('expires_on')}"
    return sentence


@describes("quiz.submit", "Quiz taken")
def _quiz(s: Said) -> str:
    result = "passed" if s.d.get("passed") else "did not pass"
    if s.d.get("testing_out"):
        result = "tested out of" if s.d.get("passed") else "tried to test out of"
        return f"{s.actor} {result} {s.subject} with {s.d.get('score', 0)} %"
    return f"{s.actor} {result} the quiz for {s.subject} with {s.d.get('score', 0)} %"


@describes("prior_learning.record", "Prior learning recognised", module=SLUG)
def _prior_learning(s: Said) -> str:
    sentence = (
        f"{s.actor} recorded {s.d.get('title')} from {s.d.get('provider')} "
        f"({s.day('completed_on')}) for {s.subject} as recognised prior learning for "
        f"{s.name(SLUG, s.d.get('module'))}, approved by {s.d.get('approved_by')}"
    )
    if s.d.get("expires_on"):
        sentence += f", valid until {s.day('expires_on')}"
    return sentence


@describes("prior_learning.evidence_download", "Prior learning evidence downloaded")
def _prior_learning_evidence(s: Said) -> str:
    return f"{s.actor} downloaded {s.d.get('evidence')}, the prior learning evidence of {s.subject}"


@describes("reminder.manual", "Reminder sent")
def _reminded(s: Said) -> str:
    return f"{s.actor} reminded {s.subject} about {s.count('items', 'module', 'modules')}"


@describes("reminder.team_overdue", "Everyone overdue reminded")
def _team_reminded(s: Said) -> str:
    sentence = f"{s.actor} reminded {s.count('people', 'person', 'people')} overdue in {s.subject}"
    if s.d.get("skipped"):
        sentence += f" ({s.count('skipped', 'person', 'people')} already reminded that day)"
    return sentence


@describes("content.publish", "Content published")
def _published(s: Said) -> str:
    version = s.d.get("label") or s.d.get("version")
    return f"{s.actor} published version {version} of {s.subject}"


@describes("content.major_version", "New version to take")
def _major_version(s: Said) -> str:
    people = s.count("people", "person", "people")
    return (
        f"{s.actor} asked {people} to take version {s.d.get('version')} of {s.subject} "
        f"by {s.day('redo_by')}, as it changed in ways that matter"
    )


@describes("path.save", "Learning path saved", modules=MODULE)
def _path_saved(s: Said) -> str:
    modules = [s.name(MODULE, m) for m in s.d.get("modules") or []]
    return f"{s.actor} saved the learning path {s.d.get('name', s.subject)}: " + (
        listed(modules, most=6) if modules else "no modules"
    )


def _rule(s: Said) -> str:
    where = f" in {s.name(TEAM, s.d['team_id'])}" if s.d.get("team_id") else ""
    return (
        f"new {s.name(ROLE, s.d.get('job_role_id')).lower()} staff{where} get the learning path "
        f"{s.name(PATH, s.d.get('path_id'))}, due {s.count('due_days', 'day', 'days')} after "
        "they start"
    )


@describes("rule.create", "Onboarding rule added", job_role_id=ROLE, team_id=TEAM, path_id=PATH)
def _rule_added(s: Said) -> str:
    return f"{s.actor} added an onboarding rule: {_rule(s)}"


@describes("rule.delete", "Onboarding rule removed", job_role_id=ROLE, team_id=TEAM, path_id=PATH)
def _rule_removed(s: Said) -> str:
    return f"{s.actor} removed the onboarding rule that {_rule(s).replace(' get ', ' got ', 1)}"


# -- People --------------------------------------------------------------------------------------


@describes("user.create", "Person added", job_role_id=ROLE)
def _person_added(s: Said) -> str:
    role = s.name(ROLE, s.d.get("job_role_id")).lower()
    return f"{s.actor} added {s.d.get('name') or s.subject} ({s.d.get('email', '')}) as a {role}"


CHANGE_WORDS = {
    "name": "name",
    "preferred_name": "preferred name",
    "email": "email address",
    "job_role_id": "job role",
    "start_date": "start date",
}


@describes("user.update", "Details changed")
def _person_changed(s: Said) -> str:
    parts = []
    for key, (before, after) in (s.d.get("changes") or {}).items():
        if key == "job_role_id":
            before, after = s.name(ROLE, before), s.name(ROLE, after)
        elif key == "start_date":
            before, after = s.day_of(before), s.day_of(after)
        parts.append(
            f"{CHANGE_WORDS.get(key, key.replace('_', ' '))} from {before or '(none)'} "
            f"to {after or '(none)'}"
        )
    return f"{s.actor} changed the details of {s.subject}: " + "; ".join(parts)


@describes("user.role", "Role changed")
def _role(s: Said) -> str:
    role = ROLE_WORDS.get(str(s.d.get("role")), s.d.get("role"))
    sentence = f"{s.actor} made {s.subject} {role}"
    if s.d.get("previous"):
        sentence += f" (was {ROLE_WORDS.get(s.d['previous'], s.d['previous'])})"
    return sentence


@describes("user.deactivate", "Person deactivated")
def _deactivated(s: Said) -> str:
    return f"{s.actor} deactivated {s.subject}: they can no longer sign in"


@describes("user.reactivate", "Person reactivated")
def _reactivated(s: Said) -> str:
    return f"{s.actor} reactivated {s.subject}: they can sign in again"


@describes("auth.sign_in", "Signed in")
def _signed_in(s: Said) -> str:
    return f"{s.subject} signed in"


@describes("auth.sign_in_failed", "Sign-in failed")
def _sign_in_failed(s: Said) -> str:
    if s.event.subject_id is None:
        return f"A sign-in failed for {s.d.get('email')}, which has no account"
    return f"A sign-in as {s.subject} failed: the password did not match, or they are deactivated"


@describes("user.anonymise", "Leaver's details removed")
def _anonymised(s: Said) -> str:
    return f"{s.actor} removed the name and email of {s.subject}, a leaver"


@describes("user.invited", "Invitation sent")
def _invited(s: Said) -> str:
    sentence = f"{s.actor} sent {s.subject} an invitation to set a password"
    if s.d.get("expires_at"):
        sentence += f", valid until {s.moment('expires_at')} UTC"
    return sentence


@describes("user.password_reset_sent", "Password-reset link sent")
def _reset_sent(s: Said) -> str:
    if s.event.actor_id == s.event.subject_id:
        return f"{s.subject} asked for a password-reset link"
    return f"{s.actor} sent {s.subject} a password-reset link"


@describes("user.password_set", "Password set")
def _password_set(s: Said) -> str:
    if s.d.get("via") == "invite":
        return f"{s.subject} set their password from their invitation"
    return f"{s.subject} chose a new password from a reset link"


@describes("staff.import", "Staff imported")
def _imported(s: Said) -> str:
    return (
        f"{s.actor} imported staff from a spreadsheet: {s.d.get('created', 0)} new, "
        f"{s.d.get('updated', 0)} changed, {s.d.get('unchanged', 0)} unchanged"
    )


# -- Teams ---------------------------------------------------------------------------------------


@describes("team.create", "Team added", parent_id=TEAM)
def _team_added(s: Said) -> str:
    kind = KIND_WORDS.get(str(s.d.get("kind")), "team")
    inside = f" inside {s.name(TEAM, s.d['parent_id'])}" if s.d.get("parent_id") else ""
    return f"{s.actor} added the {kind} {s.d.get('name') or s.subject}{inside}"


@describes("team.rename", "Team renamed")
def _team_renamed(s: Said) -> str:
    return f"{s.actor} renamed the team {s.d.get('previous')} to {s.d.get('name')}"


@describes("team.kind", "Team kind changed")
def _team_kind(s: Said) -> str:
    kind = KIND_WORDS.get(str(s.d.get("kind")), "team")
    previous = KIND_WORDS.get(str(s.d.get("previous")), "team")
    return f"{s.actor} made {s.subject} a {kind} (it was a {previous})"


@describes("team.move", "Team moved", parent_id=TEAM, previous=TEAM)
def _team_moved(s: Said) -> str:
    where = f"into {s.name(TEAM, s.d['parent_id'])}" if s.d.get("parent_id") else "to the top"
    was = f" (it was in {s.name(TEAM, s.d['previous'])})" if s.d.get("previous") else ""
    return f"{s.actor} moved {s.subject} {where}{was}"


@describes("team.promise", "Team promise changed")
def _team_promise(s: Said) -> str:
    promise, previous = s.d.get("promise"), s.d.get("previous")
    if not promise:
        return f"{s.actor} removed the service promise of {s.subject}"
    if not previous:
        return f"{s.actor} gave {s.subject} the service promise “{promise}”"
    return f"{s.actor} changed the service promise of {s.subject} to “{promise}”"


@describes("huddle.record", "Huddle recorded")
def _huddle_recorded(s: Said) -> str:
    came = s.count("attendees", "person", "people")
    return (
        f"{s.actor} recorded a huddle with {s.subject} on {s.day('held_on')}, on the card "
        f"“{s.d.get('card')}”: {came} came"
    )


@describes("team.member_add", "Added to a team", team_id=TEAM)
def _member_added(s: Said) -> str:
    return f"{s.actor} added {s.subject} to {s.name(TEAM, s.d.get('team_id'))}"


@describes("team.member_remove", "Removed from a team", team_id=TEAM)
def _member_removed(s: Said) -> str:
    return f"{s.actor} removed {s.subject} from {s.name(TEAM, s.d.get('team_id'))}"


@describes("team.manager_add", "Manager added", user_id=PERSON)
def _manager_added(s: Said) -> str:
    return f"{s.actor} made {s.name(PERSON, s.d.get('user_id'))} a manager of {s.subject}"


@describes("team.manager_remove", "Manager removed", user_id=PERSON)
def _manager_removed(s: Said) -> str:
    return f"{s.actor} stopped {s.name(PERSON, s.d.get('user_id'))} managing {s.subject}"


# -- Running CareLearn ---------------------------------------------------------------------------


@describes("email.send_again", "Email sent again")
def _sent_again(s: Said) -> str:
    return f"{s.actor} sent the email “{s.d.get('subject')}” to {s.d.get('recipient')} again"


@describes("demo.scale", "Practice organisation built")
def _demo_scale(s: Said) -> str:
    return f"{s.actor} built a practice organisation of {s.d.get('staff')} generated staff"


@describes("help.update", "Help page changed")
def _help_changed(s: Said) -> str:
    length = s.count("characters", "character", "characters")
    return f"{s.actor} changed the text of the Help page (now {length})"


@describes("vision.save", "Service vision saved")
def _vision_saved(s: Said) -> str:
    statement = " ".join(str(s.d.get("statement") or "").split())
    if len(statement) > 120:
        statement = statement[:119].rstrip() + "…"
    promises = len(s.d.get("promises") or [])
    verb = "wrote" if s.d.get("first") else "changed"
    return (
        f"{s.actor} {verb} the organisation's service vision "
        f"({promises} {'promise' if promises == 1 else 'promises'}): “{statement}”"
    )


# -- Evidence packs ------------------------------------------------------------------------------


def _pack_scope(s: Said) -> str:
    if s.d.get("scope") == "organisation":
        return "the whole organisation"
    return listed([s.name(TEAM, team_id) for team_id in s.d.get("team_ids") or []]) or "no team"


@describes("evidence_pack.request", "Evidence pack asked for", team_ids=TEAM)
def _pack_asked(s: Said) -> str:
    return (
        f"{s.actor} asked for an evidence pack of {_pack_scope(s)} as at {s.day('as_at')}, "
        f"with the audit trail from {s.day('period_from')}"
    )


@describes("evidence_pack.download", "Evidence pack downloaded")
def _pack_downloaded(s: Said) -> str:
    return f"{s.actor} downloaded evidence pack number {s.event.subject_id}"
