"""`flask content publish`: new versions only for changed files; invalid content never published."""

from sqlalchemy import func, select

from carelearn.models import AuditEvent, Module, ModuleVersion, Question
from tests.content_files import module_meta, write_module


def publish(app):
    return app.test_cli_runner().invoke(args=["content", "publish"])


def versions(db, slug="greeting"):
    return db.session.scalars(
        select(ModuleVersion)
        .join(ModuleVersion.module)
        .where(Module.slug == slug)
        .order_by(ModuleVersion.number)
    ).all()


def test_first_publish_creates_version_1_with_lessons_and_questions(app, db, tmp_path):
    write_module(tmp_path / "modules")
    result = publish(app)
    assert result.exit_code == 0, result.output
    assert "published greeting: version 1 (1.0)" in result.output
    (version,) = versions(db)
    assert [lesson.title for lesson in version.lessons] == ["Hello", "Names"]
    assert "<h2>Say hello</h2>" in version.lessons[0].body_html
    true_false = db.session.scalar(select(Question).where(Question.key == "q-tf"))
    assert [(o.text, o.is_correct) for o in true_false.options] == [
        ("True", True),
        ("False", False),
    ]
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "content.publish")
        )
        == 1
    )


def test_publishing_unchanged_files_changes_nothing(app, db, tmp_path):
    write_module(tmp_path / "modules")
    publish(app)
    result = publish(app)
    assert "unchanged greeting: version 1" in result.output
    assert len(versions(db)) == 1


def test_changed_files_make_a_new_current_version_and_keep_the_old(app, db, tmp_path):
    folder = write_module(tmp_path / "modules")
    publish(app)
    (folder / "lessons/01-hello.md").write_text(
        "## Say hello\n\nLook up, smile and say your name.\n"
    )
    result = publish(app)
    assert "published greeting: version 2" in result.output
    old, new = versions(db)
    module = db.session.scalar(select(Module).where(Module.slug == "greeting"))
    assert module.current_version_id == new.id
    assert (
        "say your name" in new.lessons[0].body_html
        and "say your name" not in old.lessons[0].body_html
    )


def test_invalid_module_is_not_published_and_the_previous_version_stays(app, db, tmp_path):
    folder = write_module(tmp_path / "modules")
    write_module(tmp_path / "modules", "farewell")
    publish(app)
    write_module(tmp_path / "modules", meta=module_meta(pass_mark=101))
    (folder / "lessons/01-hello.md").write_text("<script>alert(1)</script>\n")
    result = publish(app)
    assert result.exit_code == 1
    assert "not published greeting" in result.output
    assert "unchanged farewell" in result.output
    (only,) = versions(db)
    assert only.pass_mark == 80
    assert (
        db.session.scalar(select(Module.current_version_id).where(Module.slug == "greeting"))
        == only.id
    )


def test_lesson_html_is_sanitised_even_if_the_checker_were_bypassed():
    from carelearn.content.markdown import render_lesson

    html = render_lesson("Hi <script>alert(1)</script> [x](javascript:alert(1))\n\n> quote")
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert "<blockquote>" in html
