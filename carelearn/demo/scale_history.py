"""Years of training history for the large demo: lessons, attempts, completions, assignments."""

from __future__ import annotations

import random
from datetime import date, timedelta

from ..core.dates import add_months
from ..models import (
    Assignment,
    AttemptQuestion,
    Completion,
    LessonProgress,
    QuizAttempt,
)
from .scale_data import ATTEMPT_DETAIL_DAYS, AWAITING_SIGN_OFF_DAYS, AWAITING_SIGN_OFF_SHARE
from .scale_rows import (
    GeneratedPerson,
    IdAllocator,
    RowWriter,
    ScaleModule,
    at_hour,
    weighted_choice,
)


class HistoryBuilder:
    """The part of the builder that writes each person's history (see scale.py)."""

    # Set by the builder before it writes any history.
    rng: random.Random
    today: date
    ids: IdAllocator
    out: RowWriter
    roles: dict[str, int]  # job role slug -> id
    admin_id: int | None
    managers: dict[int, int]  # team id -> the user id of its manager

    def _history(
        self,
        people: list[GeneratedPerson],
        modules: list[ScaleModule],
        rules: dict[tuple[int, int], tuple[int, int]],
    ) -> None:
        """Every module is mandatory: each person is asked to take it, and most have."""
        for user_id, role, start, department_id, _active in people:
            diligence = self.rng.random()
            assigner = self.managers.get(department_id, self.admin_id)
            for module in modules:
                self._person_module(
                    user_id,
                    role,
                    start,
                    diligence,
                    assigner,
                    module,
                    rules.get((self.roles[role], module.module_id)),
                )

    def _person_module(
        self,
        user_id: int,
        role: str,
        start: date,
        diligence: float,
        assigner: int | None,
        module: ScaleModule,
        rule: tuple[int, int] | None,
    ) -> None:
        rng, today = self.rng, self.today
        assigned_on = max(start, module.rollout)
        if rule:
            path_id, due_days, source, assigned_by = rule[0], rule[1], "rule", None
        else:
            path_id, due_days, source, assigned_by = None, 90, "manager", assigner
        due_on = assigned_on + timedelta(days=due_days)
        # (due on, source, path, assigned by, created on); the first one asks them to take it.
        assignments = [(due_on, source, path_id, assigned_by, assigned_on)]
        open_due = None  # the due date of the assignment left open, if any

        # When they first passed: mostly before the due date, some late, a few never.
        completions: list[date] = []
        if rng.random() < 0.86 + 0.12 * diligence:
            if rng.random() < 0.8:
                first = assigned_on + timedelta(days=rng.randint(1, due_days))
            else:
                first = due_on + timedelta(days=rng.randint(1, 150))
            if first <= today:
                completions.append(first)
        if not completions:
            open_due = due_on
        # Then recertification: most renew around the expiry date; some lapse (expired).
        while completions and module.recertify:
            expires = add_months(completions[-1], module.recertify)
            if expires > today:
                break
            renewed = expires + timedelta(days=rng.randint(-30, 45))
            if rng.random() > 0.8 + 0.18 * diligence or renewed > today:
                assignments.append((expires, "recertification", None, None, expires))
                open_due = expires
                break
            if renewed > expires:  # after the expiry date, so a recertification was assigned
                assignments.append((expires, "recertification", None, None, expires))
            completions.append(renewed)
        # Some recent first passes of a module whose practice must be signed off are still
        # waiting for the sign-off: a passed quiz and no completion yet.
        waiting = None
        if (
            module.practice_required
            and len(completions) == 1
            and (today - completions[0]).days <= AWAITING_SIGN_OFF_DAYS
            and rng.random() < AWAITING_SIGN_OFF_SHARE
        ):
            waiting, open_due = completions.pop(), due_on
        pass_days = completions + ([waiting] if waiting else [])

        lessons = module.lessons
        if pass_days:
            read = len(lessons)
            reading_from = pass_days[0] - timedelta(days=rng.randint(0, 6))
        elif rng.random() < 0.55:
            read = rng.randint(1, len(lessons))
            reading_from = assigned_on + timedelta(days=rng.randint(0, (today - assigned_on).days))
        else:
            read, reading_from = 0, None
        failed_only = not pass_days and read == len(lessons) and rng.random() < 0.3
        if reading_from is not None:  # they read at least one lesson
            for position, (lesson_id, minutes) in enumerate(lessons[:read]):
                day = min(reading_from + timedelta(days=position // 2), today)
                viewed = at_hour(day, 8 + position, rng.randint(0, 59))
                finished = (
                    bool(pass_days) or failed_only or position < read - 1 or rng.random() < 0.5
                )
                self.out.add(
                    LessonProgress,
                    {
                        "id": self.ids.take(LessonProgress),
                        "user_id": user_id,
                        "lesson_id": lesson_id,
                        "module_id": module.module_id,
                        "viewed_at": viewed,
                        "completed_at": viewed + timedelta(minutes=minutes) if finished else None,
                    },
                )

        # Quiz attempts: a pass on each completion day (and the waiting one), sometimes after a
        # failed try or two.
        days = [(day, True) for day in pass_days]
        if failed_only:
            assert reading_from is not None  # they read every lesson, and every module has some
            days.append((min(reading_from + timedelta(days=len(lessons) // 2 + 1), today), False))
        for day, passes in days:
            fails = weighted_choice(rng, {0: 80, 1: 16, 2: 4}) if passes else 1
            for n in range(fails):
                self._attempt(user_id, role, module, day, n, passed=False)
            if passes:
                attempt_id, score = self._attempt(user_id, role, module, day, fails, passed=True)
                if day == waiting:
                    continue
                self.out.add(
                    Completion,
                    {
                        "id": self.ids.take(Completion),
                        "user_id": user_id,
                        "module_id": module.module_id,
                        "module_version_id": module.version_id,
                        "attempt_id": attempt_id,
                        "completed_on": day,
                        "score_percent": score,
                        "expires_on": add_months(day, module.recertify)
                        if module.recertify
                        else None,
                    },
                )

        seen = set()
        for due, kind, path, by, created in assignments:
            if due in seen:  # one assignment per person, module and due date
                continue
            seen.add(due)
            done = None if due == open_due else next((c for c in completions if c >= created), None)
            self.out.add(
                Assignment,
                {
                    "id": self.ids.take(Assignment),
                    "user_id": user_id,
                    "module_id": module.module_id,
                    "due_on": due,
                    "source": kind,
                    "assigned_by_id": by,
                    "path_id": path,
                    "created_at": at_hour(created, 7, 0),
                    "completed_at": at_hour(done, 15, 0) if done else None,
                },
            )

    def _attempt(
        self, user_id: int, role: str, module: ScaleModule, day: date, n: int, passed: bool
    ) -> tuple[int, int]:
        rng = self.rng
        attempt_id = self.ids.take(QuizAttempt)
        submitted = at_hour(day, 10 + n, rng.randint(0, 50))
        bank = module.questions[role] or module.questions["nurse"]
        drawn = rng.sample(bank, min(module.per_attempt, len(bank)))
        needed = -(-module.pass_mark * len(drawn) // 100)  # fewest right answers that pass
        right = (
            rng.randint(needed, len(drawn))
            if passed
            else rng.randint(max(0, needed - 3), needed - 1)
        )
        # The easier questions are the ones more often right.
        order = sorted(drawn, key=lambda q: rng.random() ** (1 / q[3]), reverse=True)
        correct_ids = {q[0] for q in order[:right]}
        score = right * 100 // len(drawn) if drawn else 0
        self.out.add(
            QuizAttempt,
            {
                "id": attempt_id,
                "user_id": user_id,
                "module_version_id": module.version_id,
                "started_at": submitted - timedelta(minutes=rng.randint(4, 15)),
                "submitted_at": submitted,
                "score_percent": score,
                "passed": passed,
            },
        )
        if (self.today - day).days <= ATTEMPT_DETAIL_DAYS:
            for position, (question_id, kind, options, _ease) in enumerate(drawn, start=1):
                order_ids = [o[0] for o in options]
                if kind != "true_false":
                    rng.shuffle(order_ids)
                is_right = question_id in correct_ids
                chosen = (
                    [o for o, ok in options if ok]
                    if is_right
                    else [o for o, ok in options if not ok][:1]
                )
                self.out.add(
                    AttemptQuestion,
                    {
                        "id": self.ids.take(AttemptQuestion),
                        "attempt_id": attempt_id,
                        "question_id": question_id,
                        "position": position,
                        "option_order": order_ids,
                        "selected_option_ids": chosen,
                        "response_text": None,
                        "shared_with_manager": False,
                        "is_correct": is_right,
                    },
                )
        return attempt_id, score
