"""The managers' charts: completion month by month against the organisation's target, and
where each module and sub-team stands. Drawn on the server as SVG, each with a name and a
table of the same figures."""

import re
from datetime import date, datetime

import pytest

from carelearn import create_app
from carelearn.config import ConfigError
from carelearn.core import clock
from carelearn.manage import charts
from carelearn.models import Assignment
from carelearn.services.reporting.trends import TrendPoint, completion_trend, module_standings
from carelearn.services.training.records import sync_records


def _assigned(db, person, version, on: datetime, due: date) -> None:
    db.session.add(
        Assignment(
            user_id=person.id,
            module_id=version.module_id,
            due_on=due,
            source="manager",
            created_at=on,
        )
    )
    db.session.flush()
    sync_records([(person.id, version.module_id)])
    db.session.commit()


def _completed(db, make, person, version, on: date, expires: date | None = None) -> None:
    make.completion(person, version, on, expires)
    sync_records([(person.id, version.module_id)])
    db.session.commit()


@pytest.fixture
def clinic(make, db):
    """Two people asked in January to do a module; Amy does it in March, Ben in May, and Amy's
    completion expires at the end of May."""
    clock.freeze(datetime(2026, 6, 15, 9, 0))
    team = make.team("Clinic", "department")
    nursing = make.team("Clinic Nursing", "team", team)
    reception = make.team("Clinic Reception", "team", team)
    manager = make.manager_of(team, name="Grace Manager")
    version = make.module(title="Active listening")
    amy, ben = make.user(name="Amy Ahmed"), make.user(name="Ben Brown")
    make.join(amy, nursing)
    make.join(ben, reception)
    for person in (amy, ben):
        _assigned(db, person, version, datetime(2026, 1, 10, 9, 0), date(2026, 7, 31))
    _completed(db, make, amy, version, date(2026, 3, 5), expires=date(2026, 5, 31))
    _completed(db, make, ben, version, date(2026, 5, 20))
    return {"manager": manager, "team": team, "amy": amy, "ben": ben, "version": version}


def test_trend_is_the_share_of_required_training_done_at_each_months_end(clinic):
    trend = completion_trend(clinic["manager"])
    assert [p.month for p in trend][:1] == [date(2025, 7, 1)] and len(trend) == 12
    by_month = {p.month: p for p in trend}
    assert by_month[date(2025, 12, 1)].percent is None  # nothing required yet
    assert (by_month[date(2026, 1, 1)].required, by_month[date(2026, 1, 1)].done) == (2, 0)
    assert by_month[date(2026, 3, 1)].percent == 50 and by_month[date(2026, 3, 1)].completions == 1
    assert by_month[date(2026, 5, 1)].percent == 50  # Ben done, Amy's expired on the 31st
    assert by_month[date(2026, 6, 1)].percent == 50  # this month: as of today


def test_module_standings_stack_every_required_person(clinic, make, db):
    carl = make.user(name="Carl Cole")
    make.join(carl, make.team("Clinic Porters", "team", clinic["team"]))
    _assigned(db, carl, clinic["version"], datetime(2026, 6, 1, 9, 0), date(2026, 6, 10))
    (standing,) = module_standings(clinic["manager"], clinic["team"].id)
    assert (standing.completed, standing.in_progress, standing.overdue, standing.not_started) == (
        1,
        0,
        2,  # Amy expired, Carl overdue
        0,
    )


def test_trend_chart_has_axes_a_year_and_the_target():
    points = [TrendPoint(date(2025, m, 1), 0, 10, m) for m in range(7, 13)] + [
        TrendPoint(date(2026, m, 1), 0, 10, 10) for m in range(1, 7)
    ]
    chart = charts.trend_chart(points, target=90)
    texts = [label.text for label in chart.labels]
    assert texts[:5] == ["0%", "25%", "50%", "75%", "100%"]
    assert "2025" in texts and "2026" in texts and "90%" in texts
    target = next(line for line in chart.lines if line.css == "chart__target")
    zero = next(line for line in chart.lines if line.css == "chart__axis-line")
    full = [line for line in chart.lines if line.css == "chart__grid"][-1]
    assert target.y1 == pytest.approx(zero.y1 - (zero.y1 - full.y1) * 0.9)
    assert len(chart.bars) == 12 and chart.view_box.startswith("0 0 320 ")


def _figures(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</figure>", start)]


def test_dashboard_trend_is_named_and_has_a_table(clinic, logged_in):
    html = logged_in(clinic["manager"]).get("/manage/").get_data(as_text=True)
    trend = _figures(html, "trend-heading")
    assert 'role="img"' in trend and '<title id="trend-svg-title">' in trend
    assert 'aria-labelledby="trend-heading"' in html
    assert "target of 95%" in trend and "Target: 95%" in trend
    assert "<table" in trend and "March 2026</th><td>50% (1 of 2)</td>" in trend
    assert "style=" not in html and "<script" not in html


def test_team_page_charts_modules_and_sub_teams(clinic, logged_in):
    html = logged_in(clinic["manager"]).get(f"/manage/teams/{clinic['team'].id}")
    html = html.get_data(as_text=True)
    modules = _figures(html, "modules-heading")
    assert "chart__segment--completed" in modules and "chart__segment--overdue" in modules
    assert "1 of 2 done" in modules
    assert re.search(
        r"<th scope=\"row\">Active listening</th><td>1</td><td>0</td><td>1</td>", modules
    )
    teams = _figures(html, "sub-teams-heading")
    assert "Clinic Nursing" in teams and "Clinic Reception" in teams and "chart__mark" in teams
    assert "<td>100% (1 of 1)</td>" in teams and "<td>0% (0 of 1)</td>" in teams


def test_the_target_is_a_setting(monkeypatch, app):
    assert app.config["COMPLETION_TARGET"] == 95
    monkeypatch.setenv("CARELEARN_COMPLETION_TARGET", "90")
    assert create_app({"TESTING": True}).config["COMPLETION_TARGET"] == 90
    for bad in ("0", "101", "ninety", "9.5"):
        monkeypatch.setenv("CARELEARN_COMPLETION_TARGET", bad)
        with pytest.raises(ConfigError, match="CARELEARN_COMPLETION_TARGET"):
            create_app({"TESTING": True})


def test_the_chart_follows_the_setting(clinic, logged_in, app):
    app.config["COMPLETION_TARGET"] = 80
    html = logged_in(clinic["manager"]).get("/manage/").get_data(as_text=True)
    assert "Target: 80%" in html and ">80%</text>" in html


def test_this_months_figures_agree_with_the_history_worked_out_from_scratch(clinic, make, db):
    from carelearn.services.reporting import trends

    carl = make.user(name="Carl Cole")
    make.join(carl, clinic["team"])
    _assigned(db, carl, clinic["version"], datetime(2026, 6, 1, 9, 0), date(2026, 6, 10))
    _completed(db, make, carl, clinic["version"], date(2026, 6, 3))
    people = trends._people(clinic["manager"], None)
    start, today = date(2026, 6, 1), date(2026, 6, 15)
    (history,) = trends._history(people, [start], today)
    assert trends._this_month(people, start, today) == history
    assert (history.required, history.done, history.completions) == (3, 2, 1)
