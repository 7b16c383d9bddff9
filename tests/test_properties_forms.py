"""Every form, sent hostile input: never a server error, and nothing broken is stored.

The forms are found from the app's POST routes, so a new form must be added here (or to the
exclusions, with why) before the suite passes again.
"""

from __future__ import annotations

import io
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from carelearn.core import clock
from carelearn.feedback.forms import HONEYPOT
from carelearn.models import (
    AppRole,
    HuddleCard,
    LearningPath,
    LearningPathStep,
    ObservationItem,
    OnboardingRule,
    OutboxEmail,
    PracticeObservation,
    TeamSupervisor,
    YouSaidWeDid,
)
from carelearn.services.evidence.certificates import issue_certificate
from carelearn.services.feedback.moderation import hide_entry
from carelearn.services.feedback.public_form import store_patient_feedback
from carelearn.services.feedback.pulse import start_round
from carelearn.services.people.invitations import issue_token as issue_link_token
from carelearn.services.reporting.permissions import managed_team_ids_query
from tests.conftest import csrf_token
from tests.hostile import (
    BOUNDARY,
    FormsOnPage,
    broken_rows,
    examples,
    form_data,
    hostile_csv,
    hostile_file,
    hostile_value,
    multipart,
    urlencoded,
)

NOW = datetime(2026, 6, 15, 9, 0)
URLENCODED = "application/x-www-form-urlencoded"
ADDRESSES = (f"192.0.2.{n % 250 + 1}" for n in itertools.count())  # documentation addresses


class World:
    """The rows every form's address and choices point at, each made when first needed."""

    def __init__(self, app, db, make, logged_in):
        self.app, self.db, self.make, self._logged_in = app, db, make, logged_in

    def client(self, who: str | None):
        return self._logged_in(getattr(self, who)) if who else self.app.test_client()

    @cached_property
    def ward(self):
        return self.make.team("Ward 7")

    @cached_property
    def admin(self):
        return self.make.user(app_role=AppRole.ADMIN, name="Ada Admin")

    @cached_property
    def manager(self):
        return self.make.manager_of(self.ward, name="Grace Okafor")

    def _member(self, **fields):
        person = self.make.user(**fields)
        self.make.join(person, self.ward)
        return person

    @cached_property
    def learner(self):
        return self._member(name="Sam Patel")

    @cached_property
    def newcomer(self):
        person = self._member(name="Nia New")
        person.password_hash = None
        self.db.session.commit()
        return person

    @cached_property
    def leaver(self):
        person = self._member(name="Lee Left", active=False)
        person.deactivated_at = datetime(2019, 1, 7)
        self.db.session.commit()
        return person

    @cached_property
    def version(self):
        version = self.make.module(slug="front-desk", title="Front desk")
        version.practice_checklist = ["Greets the patient", "Explains the wait"]
        version.themes = ["waiting"]
        self.db.session.commit()
        return version

    @cached_property
    def completion(self):
        done = self.make.completion(self.learner, self.version, date(2026, 3, 2))
        self.db.session.commit()
        return done

    @cached_property
    def certificate(self):
        made = issue_certificate(self.completion.id)
        self.db.session.commit()
        return made

    def add(self, row):
        self.db.session.add(row)
        self.db.session.commit()
        return row

    @cached_property
    def observation(self):
        seen = self.add(
            PracticeObservation(
                user_id=self.learner.id,
                module_id=self.version.module_id,
                module_version_id=self.version.id,
                observer_id=self.manager.id,
                observed_at=NOW - timedelta(days=1),
                outcome="met",
            )
        )
        self.add(ObservationItem(observation_id=seen.id, position=1, text="Greets", met=True))
        return seen

    @cached_property
    def card(self):
        return self.add(
            HuddleCard(
                module_version_id=self.version.id,
                key="card-1",
                position=1,
                title="The queue",
                situation="The phones ring and the queue grows.",
                prompts=["What first?", "Who helps?", "What then?"],
                remember="Say when you will be back.",
            )
        )

    def feedback(self):
        entry = store_patient_feedback(self.ward.id, "poor", {"waiting": False}, "Slow.", "en")
        self.db.session.commit()
        return entry

    def hidden_feedback(self):
        hide_entry(self.manager, self.feedback().id, managed_team_ids_query(self.manager), "Rude")
        self.db.session.commit()

    def pulse_round(self):
        start_round(self.admin, None)
        self.db.session.commit()

    @cached_property
    def path(self):
        path = self.add(LearningPath(name="Front desk start", description="First weeks."))
        self.add(LearningPathStep(path_id=path.id, module_id=self.version.module_id, position=1))
        return path

    @cached_property
    def rule(self):
        role_id = self.learner.job_role_id
        return self.add(OnboardingRule(job_role_id=role_id, path_id=self.path.id, due_days=30))

    def failed_email(self):
        return self.add(
            OutboxEmail(
                recipient="sam@example.org",
                subject="Your training",
                text_body="Hello.",
                message_id="<failed-1@example.org>",
                state="failed",
                attempts=5,
                last_error="refused",
            )
        )

    def overdue(self):
        person = self._member(name="Olu Overdue")
        self.make.record(person, self.version, due_on=date(2026, 5, 1))

    @cached_property
    def invite_token(self) -> str:
        raw, _token = issue_link_token(self.newcomer, "invite")
        self.db.session.commit()
        return raw

    def lessons_done(self):
        self.make.finish_lessons(self.learner, self.version)

    def you_said(self):
        return self.add(
            YouSaidWeDid(
                team_id=self.ward.id,
                you_said="The wait was long.",
                we_did="We now say how long.",
                posted_by_id=self.manager.id,
                posted_on=NOW.date(),
            )
        )

    def supervisor(self):
        person = self._member(name="Tom Hughes")
        self.add(TeamSupervisor(team_id=self.ward.id, user_id=person.id))


def _preview_of_import(world: World, client) -> str:
    """The import preview, whose confirm form carries the signed plan."""
    rows = "email,name,job role,team\nzoe@example.org,Zo\u202ee Ba\x07ll,Receptionist,Ward 7\n"
    csv_file = (io.BytesIO(rows.encode()), "s.csv")
    data = {"csrf_token": csrf_token(client, "/admin/import"), "file": csv_file}
    return client.post("/admin/import", data=data).get_data(as_text=True)


def _confirm_preview(client, response) -> None:
    """Confirm an import whose preview found nothing wrong, as the admin would."""
    for form in FormsOnPage(response.get_data(as_text=True)).forms:
        if form.action == "/admin/import/confirm":
            pairs = [(f.name, f.values[0]) for f in form.fields.values() if f.values]
            confirmed = client.post(form.action, data=urlencoded(pairs), content_type=URLENCODED)
            assert confirmed.status_code < 500


@dataclass(frozen=True)
class Form:
    """Who may use a form, the page that holds it ({w.…} filled from the world) and the rows
    it needs first."""

    who: str | None
    page: str
    needs: tuple[str, ...] = ()
    # Fields left as the page had them in most examples, so most reach the form's own checks.
    keep: tuple[str, ...] = ("csrf_token",)
    opened: Callable[[World, object], str] | None = None  # the page's HTML, when not a GET
    then: Callable[[object, object], None] | None = None  # what a person does next, if anything

    def address(self, world: World) -> str:
        for name in self.needs:
            made = getattr(world, name)
            if callable(made):
                made()
        return self.page.format(w=world)


A, M, L = "admin", "manager", "learner"
_TEAM = "/manage/teams/{w.ward.id}"
_PAGES = [
    ("/admin/help", A, "/admin/help"),
    ("/admin/import", A, "/admin/import", "ward"),
    ("/admin/import/confirm", A, "/admin/import", "ward"),
    ("/admin/outbox/<int:email_id>/send-again", A, "/admin/outbox", "failed_email"),
    ("/admin/paths/<int:path_id>", A, "/admin/paths/{w.path.id}"),
    ("/admin/paths/new", A, "/admin/paths/new", "version"),
    ("/admin/people/<int:user_id>", A, "/admin/people/{w.learner.id}"),
    ("/admin/people/<int:user_id>/anonymise", A, "/admin/people/{w.leaver.id}/anonymise"),
    ("/admin/people/<int:user_id>/deactivate", A, "/admin/people/{w.learner.id}/deactivate"),
    ("/admin/people/<int:user_id>/invite", A, "/admin/people/{w.newcomer.id}"),
    ("/admin/people/<int:user_id>/password-reset", A, "/admin/people/{w.learner.id}"),
    ("/admin/people/<int:user_id>/prior-learning", A, "/admin/people/{w.learner.id}/prior-learning",
     "version"),
    ("/admin/people/<int:user_id>/reactivate", A, "/admin/people/{w.leaver.id}"),
    ("/admin/people/new", A, "/admin/people/new", "ward"),
    ("/admin/pulse", A, "/admin/pulse"),
    ("/admin/pulse/<int:round_id>/close", A, "/admin/pulse", "pulse_round"),
    ("/admin/rules/<int:rule_id>/delete", A, "/admin/paths", "rule"),
    ("/admin/rules/new", A, "/admin/rules/new", "path", "ward"),
    ("/admin/teams/<int:team_id>", A, "/admin/teams/{w.ward.id}"),
    ("/admin/teams/<int:team_id>/managers", A, "/admin/teams/{w.ward.id}", "manager"),
    ("/admin/teams/new", A, "/admin/teams/new", "ward"),
    ("/admin/vision", A, "/admin/vision"),
    ("/f/<int:team_id>", None, "/f/{w.ward.id}"),
    ("/learn/<slug>/lessons/<int:position>/complete", L, "/learn/{w.version.slug}/lessons/1"),
    ("/learn/<slug>/quiz", L, "/learn/{w.version.slug}", "lessons_done"),
    ("/learn/feedback", L, "/learn/feedback"),
    ("/learn/observations/<int:observation_id>/read", L, "/learn/record", "observation"),
    ("/learn/pulse", L, "/learn/pulse", "pulse_round"),
    ("/learn/ratings/<int:version_id>", L, "/learn/ratings/{w.completion.module_version_id}"),
    ("/login", None, "/login", "learner"),
    ("/manage/assign", M, "/manage/assign/check?what=module:{w.version.module_id}&target=team"
     "&team={w.ward.id}&due_on=2026-09-01", "learner"),
    ("/manage/evidence", M, "/manage/evidence", "learner"),
    ("/manage/feedback/entries/<int:entry_id>/hide", M, _TEAM + "/feedback/comments", "feedback"),
    ("/manage/feedback/entries/<int:entry_id>/show", M, _TEAM + "/feedback/comments",
     "hidden_feedback"),
    ("/manage/people/<int:user_id>/certificates/<int:certificate_id>/revoke", A,
     "/manage/people/{w.learner.id}", "certificate"),
    ("/manage/people/<int:user_id>/remind", M, "/manage/people/{w.learner.id}"),
    ("/manage/teams/<int:team_id>/feedback/assign", M, _TEAM + "/feedback", "version", "feedback"),
    ("/manage/teams/<int:team_id>/huddle/<int:card_id>/who-came", M,
     _TEAM + "/huddle/{w.card.id}/who-came", "learner"),
    ("/manage/teams/<int:team_id>/remind-overdue", M, _TEAM + "/remind-overdue", "overdue"),
    ("/manage/teams/<int:team_id>/supervisors", M, _TEAM + "/supervisors", "learner"),
    ("/manage/teams/<int:team_id>/supervisors/<int:user_id>/remove", M, _TEAM + "/supervisors",
     "supervisor"),
    ("/manage/teams/<int:team_id>/you-said", M, _TEAM + "/you-said"),
    ("/manage/you-said/<int:item_id>/remove", M, _TEAM + "/you-said", "you_said"),
    ("/observe/people/<int:user_id>/<slug>", M, "/observe/people/{w.learner.id}/{w.version.slug}"),
    ("/password/forgot", None, "/password/forgot", "learner"),
    ("/password/set/<token>", None, "/password/set/{w.invite_token}"),
    ("/verify/<code>", None, "/verify/{w.certificate.code}"),
]  # fmt: skip
_OPTIONS: dict[str, dict] = {
    "/admin/import": {"then": _confirm_preview},
    "/admin/import/confirm": {"keep": ("csrf_token", "payload"), "opened": _preview_of_import},
    "/f/<int:team_id>": {"keep": ("started", HONEYPOT)},
}
FORMS = {
    rule: Form(who, page, tuple(needs), **_OPTIONS.get(rule, {}))
    for rule, who, page, *needs in _PAGES
}
# POST routes with no form of their own to send hostile input to.
EXCLUDED = {
    "/logout": "a button only: it signs the person out, whatever else is sent",
    "/learn/attempts/<int:attempt_id>": "the quiz: its properties are in test_properties_quiz",
    "/learn/attempts/<int:attempt_id>/step": "the quiz's conversations: likewise",
}


@pytest.fixture
def world(app, db, make, logged_in):
    clock.freeze(NOW)
    return World(app, db, make, logged_in)


def _answered_by(app, action: str) -> str | None:
    """The POST rule that answers a form's address, if any."""
    try:
        rule, _ = app.url_map.bind("localhost").match(
            urlsplit(action).path, method="POST", return_rule=True
        )
    except HTTPException:
        return None
    return rule.rule


def test_every_post_route_is_sent_hostile_input_or_excluded_with_a_reason(app):
    routes = {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert sorted(routes - FORMS.keys() - EXCLUDED.keys()) == [], "new forms: add them to FORMS"
    assert sorted((FORMS.keys() | EXCLUDED.keys()) - routes) == [], "gone: take them out"


@pytest.mark.parametrize("rule", sorted(FORMS))
def test_hostile_input_never_gives_a_server_error_or_a_broken_row(app, db, world, rule):
    spec = FORMS[rule]
    page = spec.address(world)
    client = world.client(spec.who)
    html = spec.opened(world, client) if spec.opened else client.get(page).get_data(as_text=True)
    forms = [f for f in FormsOnPage(html).forms if _answered_by(app, f.action or page) == rule]
    assert forms, f"no form on {page} posts to {rule}"
    form = forms[0]
    action = form.action or page
    fields = {name: f for name, f in form.fields.items() if f.kind != "file"}
    uploads = st.fixed_dictionaries(
        {
            name: st.tuples(hostile_value, st.one_of(hostile_file, hostile_csv))
            for name, f in form.fields.items()
            if f.kind == "file"
        }
    )
    # Later than the page was shown: the feedback form refuses answers sent within seconds.
    clock.freeze(NOW + timedelta(seconds=30))

    @examples(12)
    @given(pairs=form_data(fields, spec.keep), files=uploads)
    def send(pairs, files):
        # Hypothesis seeds the random module alike for every example, and Message-IDs of emails
        # draw from it: two emails within 10 ms would get the same one.
        random.seed()
        if form.multipart:
            body, kind = multipart(pairs, files), f"multipart/form-data; boundary={BOUNDARY}"
        else:
            body, kind = urlencoded(pairs), URLENCODED
        # Public forms count tries per network address: each example comes from its own. A
        # signed-in person keeps theirs (a sign-in that moves address is ended, on purpose).
        where = {"REMOTE_ADDR": next(ADDRESSES)} if spec.who is None else {}
        response = client.post(action, data=body, content_type=kind, environ_base=where)
        assert response.status_code < 500, (rule, pairs, response.status_code)
        if spec.then:
            spec.then(client, response)

    send()
    assert broken_rows(db) == []


def test_the_row_check_finds_what_it_looks_for(db, make):
    make.team("Invoice\u202etxt")
    make.team("Two\nlines")
    assert len(broken_rows(db)) == 2
