"""`flask content check`: one `path:line: message` per problem, exit 1; or OK and exit 0."""

import pytest

from tests.content_files import ALL_ROLES, line_of, module_meta, question_bank, write_module


@pytest.fixture
def check(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def run(path="modules"):
        result = app.test_cli_runner().invoke(args=["content", "check", path])
        return result.exit_code, result.output.strip().splitlines()

    return run


def test_valid_content_prints_counts_and_exits_0(check, tmp_path):
    write_module(tmp_path / "modules", "greeting")
    write_module(tmp_path / "modules", "farewell")
    code, lines = check()
    assert code == 0
    assert lines[-1] == "OK: 2 modules, 4 lessons, 22 questions"
    assert [line.split(":")[0] for line in lines[:-1]] == ["farewell"] * 2 + ["greeting"] * 2


def test_single_module_folder_can_be_checked(check, tmp_path):
    write_module(tmp_path / "modules", "greeting")
    code, lines = check("modules/greeting")
    assert (code, lines[-1]) == (0, "OK: 1 modules, 2 lessons, 11 questions")


def _lines(check):
    code, lines = check()
    assert code == 1
    return lines


def test_yaml_syntax_error_names_the_line(check, tmp_path):
    folder = write_module(tmp_path / "modules")
    (folder / "module.yml").write_text("title: Greeting\nsummary: [unclosed\nversion: '1'\n")
    lines = _lines(check)
    assert any(
        line.startswith("modules/greeting/module.yml:3: not valid YAML") for line in lines
    ), lines


def test_schema_error_names_field_and_line(check, tmp_path):
    folder = write_module(tmp_path / "modules", meta=module_meta(pass_mark=150))
    lines = _lines(check)
    line = line_of(folder / "module.yml", "pass_mark:")
    assert (
        f"modules/greeting/module.yml:{line}: pass_mark: 150 is greater than the maximum of 100"
        in lines
    )


def test_missing_required_field(check, tmp_path):
    meta = module_meta()
    del meta["summary"]
    write_module(tmp_path / "modules", meta=meta)
    assert "modules/greeting/module.yml:1: 'summary' is a required property" in _lines(check)


def test_unknown_job_role(check, tmp_path):
    folder = write_module(
        tmp_path / "modules", meta=module_meta(audience=["receptionist", "surgeon"])
    )
    lines = _lines(check)
    at = line_of(folder / "module.yml", "- surgeon")
    assert any(
        line.startswith(f"modules/greeting/module.yml:{at}: audience.1: 'surgeon' is not one of")
        for line in lines
    ), lines


def test_duplicate_question_ids(check, tmp_path):
    bank = question_bank()
    bank[1]["id"] = "q-desk"
    write_module(tmp_path / "modules", questions=bank)
    assert any(
        line.startswith("modules/greeting/questions.yml:")
        and "question id q-desk is used more than once" in line
        for line in _lines(check)
    )


def test_single_choice_needs_exactly_one_correct(check, tmp_path):
    bank = question_bank()
    bank[1]["options"][1]["correct"] = True
    write_module(tmp_path / "modules", questions=bank)
    folder = tmp_path / "modules/greeting"
    options_line = [
        i
        for i, text in enumerate((folder / "questions.yml").read_text().splitlines(), 1)
        if text.strip() == "options:"
    ][1]
    assert (
        f"modules/greeting/questions.yml:{options_line}: "
        "a single question needs exactly one correct option, not 2"
    ) in _lines(check)


def test_multiple_needs_at_least_one_correct(check, tmp_path):
    bank = question_bank()
    for option in bank[2]["options"]:
        option.pop("correct", None)
    write_module(tmp_path / "modules", questions=bank)
    assert any(
        "a multiple question needs at least one correct option" in line for line in _lines(check)
    )


def test_true_false_needs_answer(check, tmp_path):
    bank = question_bank()
    del bank[3]["answer"]
    write_module(tmp_path / "modules", questions=bank)
    assert any(
        "a true_false question needs answer: true or answer: false" in line
        for line in _lines(check)
    )


def test_every_question_needs_an_explanation(check, tmp_path):
    bank = question_bank()
    del bank[0]["explanation"]
    write_module(tmp_path / "modules", questions=bank)
    assert (
        "modules/greeting/questions.yml:2: questions.0: 'explanation' is a required property"
        in _lines(check)
    )


def test_not_enough_questions_for_a_role(check, tmp_path):
    bank = question_bank()
    for question in bank:
        if question["type"] not in ("true_false", "reflection"):
            question["roles"] = ["receptionist"]
    write_module(tmp_path / "modules", meta=module_meta(questions_per_attempt=2), questions=bank)
    lines = _lines(check)
    for role in ALL_ROLES[1:]:
        assert (
            f"modules/greeting/questions.yml:1: role {role} can get only 1 scored questions; "
            "questions_per_attempt is 2" in lines
        )


def test_missing_lesson_file(check, tmp_path):
    folder = write_module(tmp_path / "modules")
    (folder / "lessons/02-names.md").unlink()
    lines = _lines(check)
    at = line_of(folder / "module.yml", "file: lessons/02-names.md")
    assert (
        f"modules/greeting/module.yml:{at}: lesson file lessons/02-names.md does not exist" in lines
    )


def test_missing_question_bank(check, tmp_path):
    folder = write_module(tmp_path / "modules")
    (folder / "questions.yml").unlink()
    assert "modules/greeting/questions.yml:1: missing file questions.yml" in _lines(check)


def test_raw_html_in_a_lesson_names_its_line(check, tmp_path):
    write_module(
        tmp_path / "modules",
        lessons={
            "lessons/01-hello.md": "## Say hello\n\nLook up.\n\n<script>alert(1)</script>\n",
            "lessons/02-names.md": "Text with <img src=x onerror=alert(1)> inline.\n",
        },
    )
    lines = _lines(check)
    assert any(
        line.startswith("modules/greeting/lessons/01-hello.md:5: unsafe HTML") for line in lines
    ), lines
    assert any(
        line.startswith("modules/greeting/lessons/02-names.md:1: unsafe HTML") for line in lines
    ), lines


def test_javascript_link_in_a_lesson(check, tmp_path):
    write_module(
        tmp_path / "modules",
        lessons={
            "lessons/01-hello.md": "## Hello\n\n[click](javascript:alert(1))\n",
            "lessons/02-names.md": "Fine.\n",
        },
    )
    assert any("01-hello.md:3: unsafe link" in line for line in _lines(check))


def test_markup_in_question_text(check, tmp_path):
    bank = question_bank()
    bank[1]["prompt"] = "What do you <b>say</b>?"
    write_module(tmp_path / "modules", questions=bank)
    assert any(
        "questions.yml" in line and "unsafe HTML: write plain text" in line
        for line in _lines(check)
    )


def test_problems_in_two_modules_are_all_reported(check, tmp_path):
    write_module(tmp_path / "modules", "greeting", meta=module_meta(pass_mark=-1))
    write_module(tmp_path / "modules", "farewell", meta=module_meta(questions_per_attempt=0))
    lines = _lines(check)
    assert any(line.startswith("modules/greeting/module.yml") for line in lines)
    assert any(line.startswith("modules/farewell/module.yml") for line in lines)


def test_the_real_training_content_is_valid(app):
    from carelearn.config import PROJECT_ROOT

    result = app.test_cli_runner().invoke(args=["content", "check", str(PROJECT_ROOT / "modules")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1].startswith("OK: 10 modules"), result.output
    # Every module's figures, and nobody passes without reading.
    assert sum("a learner who reads nothing passes" in line for line in lines) == 10
