"""Admin pages: people, teams and the staff import. Every page here is for admins only."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from ..extensions import csrf, db
from ..learn.forms import ActionForm
from ..models import AppRole, Team, User
from ..services import people
from ..services.accounts import ensure_job_roles
from ..services.people import PeopleError, PeopleFilters, PersonDetails
from ..services.staff_import import (
    COLUMN_TITLES,
    MAX_IMPORT_BYTES,
    ImportRefused,
    apply_import,
    parse_staff_csv,
    plan_import,
)
from .forms import (
    ImportConfirmForm,
    ImportUploadForm,
    ManagersForm,
    PeopleFilterForm,
    PersonForm,
    TeamForm,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

IMPORT_SALT = "carelearn.staff-import"
IMPORT_PREVIEW_MAX_AGE = 60 * 60  # seconds a preview can be confirmed for
# The confirm form carries the file back, compressed and signed: allow for base64 growth.
CONFIRM_MAX_BYTES = 2 * MAX_IMPORT_BYTES + 64 * 1024
UPLOAD_MAX_BYTES = MAX_IMPORT_BYTES + 64 * 1024


@bp.before_request
@login_required
def _require_admin():
    if current_user.app_role != AppRole.ADMIN:
        abort(403)


def _invalid(form) -> bool:
    return any(f.errors for f in form if f.name != "csrf_token")


def _problems(form, extra: list[str] | None = None) -> list[tuple[str, str]]:
    """(target id, message) for the error summary at the top of a page."""
    found = [(f.id, f.errors[0]) for f in form if f.errors and f.name != "csrf_token"]
    return found + [("main", message) for message in extra or []]


def _add_error(form, error: PeopleError, general: list[str]) -> None:
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, str(error)]
    else:
        general.append(str(error))


def _get_or_404(model, ident: int):
    thing = db.session.get(model, ident)
    if thing is None:
        abort(404)
    return thing


@bp.get("/")
def index():
    return redirect(url_for("admin.people_list"))


# ---------------------------------------------------------------------------------------------
# People


def _team_choices(exclude: set[int] | None = None) -> list[tuple[int, str]]:
    """Teams in tree order; non-breaking spaces show the nesting without a screen reader
    announcing it."""
    exclude = exclude or set()
    return [(node.team.id, "\u00a0\u00a0\u00a0" * node.depth + node.team.name)
            for node in people.flatten_tree(people.team_tree()) if node.team.id not in exclude]


def _filters_from(form: PeopleFilterForm) -> PeopleFilters:
    """The filters as asked, leaving out any that make no sense (an old link, a typed URL)."""
    form.validate()

    def good(f, fallback):
        if f.errors or f.data is None:
            f.data, f.errors = fallback, []
        return f.data

    return PeopleFilters(q=good(form.q, ""), team_id=good(form.team, None),
                         job_role=good(form.job_role, ""), status=good(form.status, "active"))


@bp.get("/people")
def people_list():
    roles = ensure_job_roles()
    form = PeopleFilterForm(request.args)
    form.team.choices = [("", "All teams"), *_team_choices()]
    form.job_role.choices = [("", "All job roles")] + sorted(
        ((slug, role.name) for slug, role in roles.items()), key=lambda c: c[1])
    filters = _filters_from(form)
    page = request.args.get("page", 1, type=int)
    result = people.search_people(filters, page)
    link_args = {k: v for k, v in {
        "q": filters.q, "team": filters.team_id, "job_role": filters.job_role,
        "status": filters.status if filters.status != "active" else None,
    }.items() if v not in (None, "")}
    return render_template("admin/people.html", form=form, result=result, link_args=link_args,
                           filtered=bool(link_args))


def _person_form(data: dict | None = None) -> PersonForm:
    form = PersonForm(data=data)
    roles = ensure_job_roles()
    form.job_role.choices = [("", "Choose a job role")] + sorted(
        ((role.id, role.name) for role in roles.values()), key=lambda c: c[1])
    form.teams.choices = _team_choices()
    return form


def _details(form: PersonForm) -> PersonDetails:
    return PersonDetails(email=form.email.data, name=form.name.data,
                         job_role_id=form.job_role.data, app_role=form.app_role.data,
                         team_ids=form.teams.data or [], start_date=form.start_date.data)


@bp.route("/people/new", methods=["GET", "POST"])
def new_person():
    form = _person_form()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            person = people.create_person(_details(form), actor_id=current_user.id)
            db.session.commit()
        except PeopleError as error:
            db.session.rollback()
            _add_error(form, error, general)
        except IntegrityError:
            # Someone else added the same email address a moment ago.
            db.session.rollback()
            form.email.errors = ["Someone already has that email address."]
        else:
            problem = people.welcome_new_people([person], actor_id=current_user.id)
            if problem:
                flash(f"{person.name} has been added. {problem}", "error")
            else:
                flash(f"{person.name} has been added and invited to set a password.", "success")
            return redirect(url_for("admin.person", user_id=person.id))
    status = 422 if _invalid(form) or general else 200
    return render_template("admin/person_form.html", form=form, person=None,
                           problems=_problems(form, general)), status


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
def person(user_id: int):
    person = _get_or_404(User, user_id)
    form = _person_form(data={
        "name": person.name, "email": person.email, "job_role": person.job_role_id,
        "app_role": person.app_role, "teams": people.team_ids_of(person.id),
        "start_date": person.start_date,
    })
    general: list[str] = []
    if form.validate_on_submit():
        try:
            changed = people.update_person(person, _details(form), actor_id=current_user.id)
            db.session.commit()
        except PeopleError as error:
            db.session.rollback()
            _add_error(form, error, general)
        except IntegrityError:
            db.session.rollback()
            form.email.errors = ["Someone already has that email address."]
        else:
            flash("Changes saved." if changed else "Nothing to change.", "success")
            return redirect(url_for("admin.person", user_id=person.id))
    status = 422 if _invalid(form) or general else 200
    managed = [t for t in (db.session.get(Team, i) for i in people.managed_team_ids_of(person.id))
               if t is not None]
    return render_template("admin/person_form.html", form=form, person=person, managed=managed,
                           action_form=ActionForm(formdata=None),
                           problems=_problems(form, general)), status


def _set_active(user_id: int, active: bool):
    person = _get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        changed = people.set_active(person, active, actor_id=current_user.id)
        db.session.commit()
    except PeopleError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        if changed and active:
            flash(f"{person.name} has been reactivated and can log in again.", "success")
        elif changed:
            flash(f"{person.name} has been deactivated. They can no longer log in; their "
                  "training records are kept.", "success")
    return redirect(url_for("admin.person", user_id=person.id))


@bp.post("/people/<int:user_id>/deactivate")
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/people/<int:user_id>/reactivate")
def reactivate(user_id: int):
    return _set_active(user_id, True)


# ---------------------------------------------------------------------------------------------
# Teams


@bp.get("/teams")
def teams():
    tree = people.team_tree(with_details=True)
    return render_template("admin/teams.html", tree=tree, kinds=people.KIND_LABELS)


def _parent_choices(exclude: set[int]) -> list[tuple[int | str, str]]:
    return [("", "Nothing: it is at the top")] + _team_choices(exclude)


@bp.route("/teams/new", methods=["GET", "POST"])
def new_team():
    form = TeamForm(data={"parent": request.args.get("parent", type=int)})
    form.parent.choices = _parent_choices(set())
    general: list[str] = []
    if form.validate_on_submit():
        try:
            team = people.create_team(form.name.data, form.kind.data, form.parent.data,
                                      actor_id=current_user.id)
            db.session.commit()
        except PeopleError as error:
            db.session.rollback()
            _add_error(form, error, general)
        else:
            flash(f"{team.name} has been added.", "success")
            return redirect(url_for("admin.team", team_id=team.id))
    status = 422 if _invalid(form) or general else 200
    return render_template("admin/team_form.html", form=form, team=None,
                           problems=_problems(form, general)), status


def _team_page(team: Team, form: TeamForm, managers_form: ManagersForm,
               general: list[str], status: int | None = None):
    problems = _problems(form, general) + _problems(managers_form)
    status = status or (422 if problems else 200)
    return render_template(
        "admin/team_form.html", form=form, managers_form=managers_form, team=team,
        managers=people.team_managers(team.id), problems=problems,
        kinds=people.KIND_LABELS,
    ), status


def _team_form(team: Team, formdata: bool) -> TeamForm:
    form = TeamForm(data={"name": team.name, "kind": team.kind, "parent": team.parent_id},
                    **({} if formdata else {"formdata": None}))
    form.parent.choices = _parent_choices(people.descendant_ids(team.id))
    return form


def _managers_form(team: Team, formdata: bool) -> ManagersForm:
    current = people.team_managers(team.id)
    form = ManagersForm(data={"keep": [u.id for u in current]},
                        **({} if formdata else {"formdata": None}))
    form.keep.choices = [(u.id, f"{u.name} ({u.email})") for u in current]
    return form


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
def team(team_id: int):
    team = _get_or_404(Team, team_id)
    form = _team_form(team, formdata=True)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            changed = people.update_team(team, name=form.name.data, kind=form.kind.data,
                                         parent_id=form.parent.data, actor_id=current_user.id)
            db.session.commit()
        except PeopleError as error:
            db.session.rollback()
            db.session.refresh(team)
            _add_error(form, error, general)
        else:
            flash("Changes saved." if changed else "Nothing to change.", "success")
            return redirect(url_for("admin.team", team_id=team.id))
    return _team_page(team, form, _managers_form(team, formdata=False), general)


@bp.post("/teams/<int:team_id>/managers")
def team_managers(team_id: int):
    team = _get_or_404(Team, team_id)
    form = _managers_form(team, formdata=True)
    general: list[str] = []
    if form.validate_on_submit():
        wanted = set(form.keep.data or [])
        if form.add_email.data:
            newcomer = people.find_active_person(form.add_email.data)
            if newcomer is None:
                form.add_email.errors = [
                    "Nobody active has that email address. Check it, or add the person first."]
            else:
                wanted.add(newcomer.id)
        if not form.add_email.errors:
            try:
                added, removed = people.set_team_managers(team, wanted, actor_id=current_user.id)
                db.session.commit()
            except PeopleError as error:
                db.session.rollback()
                _add_error(form, error, general)
            else:
                for person in added:
                    flash(f"{person.name} now manages {team.name}.", "success")
                for person in removed:
                    flash(f"{person.name} no longer manages {team.name}.", "success")
                if not added and not removed:
                    flash("Nothing to change.", "info")
                return redirect(url_for("admin.team", team_id=team.id, _anchor="managers"))
    return _team_page(team, _team_form(team, formdata=False), form, general)


# ---------------------------------------------------------------------------------------------
# Staff import
#
# The preview page carries the uploaded file back to the confirm button, compressed and signed
# with the secret key, so any worker can confirm it and nobody can alter it in between. The file
# is planned again on confirm: if the plan differs from what was shown, it is shown again.


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=IMPORT_SALT)


def _protect_with_limit(max_bytes: int) -> None:
    """Cap the request before its body is read, then check the CSRF token."""
    request.max_content_length = max_bytes
    request.max_form_memory_size = max_bytes
    csrf.protect()


def _preview(plan, filename: str, text: str, notice: str | None = None, status: int = 200):
    payload = None
    if not plan.has_errors:
        payload = _serializer().dumps({"by": current_user.id, "name": filename, "csv": text,
                                       "plan": plan.fingerprint()})
    confirm = ImportConfirmForm(formdata=None, data={"payload": payload})
    return render_template("admin/import_preview.html", plan=plan, filename=filename,
                           confirm_form=confirm, upload=ImportUploadForm(formdata=None),
                           notice=notice, max_mb=MAX_IMPORT_BYTES // (1024 * 1024)
                           ), status if not plan.has_errors else 422


def _upload_page(form: ImportUploadForm, status: int = 200):
    return render_template("admin/import.html", form=form, problems=_problems(form),
                           columns=COLUMN_TITLES, max_mb=MAX_IMPORT_BYTES // (1024 * 1024)
                           ), status


@bp.errorhandler(413)
def _too_large(_error):
    form = ImportUploadForm(formdata=None)
    form.file.errors = [f"The file is too large. Upload a file of at most "
                        f"{MAX_IMPORT_BYTES // (1024 * 1024)} MB, or split it in two."]
    return _upload_page(form, 413)


@bp.route("/import", methods=["GET", "POST"])
@csrf.exempt  # checked in the view, once the size limit is in place
def import_staff():
    if request.method == "GET":
        return _upload_page(ImportUploadForm(formdata=None))
    _protect_with_limit(UPLOAD_MAX_BYTES)
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, 422)
    data = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        return _too_large(None)
    parsed = parse_staff_csv(data)
    plan = plan_import(parsed)
    db.session.rollback()  # planning writes nothing; make sure of it
    return _preview(plan, form.file.data.filename, parsed.text)


@bp.post("/import/confirm")
@csrf.exempt  # checked in the view, once the size limit is in place
def confirm_import():
    _protect_with_limit(CONFIRM_MAX_BYTES)
    form = ImportConfirmForm()
    if not form.validate_on_submit() or not form.payload.data:
        abort(400)
    try:
        upload = _serializer().loads(form.payload.data, max_age=IMPORT_PREVIEW_MAX_AGE)
    except SignatureExpired:
        flash("That preview is more than an hour old. Upload the file again to check it.",
              "error")
        return redirect(url_for("admin.import_staff"))
    except BadSignature:
        abort(400)
    if upload.get("by") != current_user.id:
        abort(400)
    parsed = parse_staff_csv(upload["csv"])
    plan = plan_import(parsed)
    if plan.has_errors or plan.fingerprint() != upload["plan"]:
        db.session.rollback()
        return _preview(plan, upload["name"], parsed.text, notice=(
            "The people or teams in CareLearn changed since you saw the preview, so it has been "
            "checked again. Look through it and confirm again."), status=409)
    try:
        result = apply_import(plan, actor_id=current_user.id)
    except ImportRefused as error:
        return _preview(plan_import(parse_staff_csv(upload["csv"])), upload["name"], parsed.text,
                        notice=str(error), status=409)
    flash(f"Import finished: {result.summary}.", "success")
    if result.welcome_problem:
        flash(result.welcome_problem, "error")
    return redirect(url_for("admin.people_list"))
