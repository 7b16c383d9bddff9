"""Twenty presses of "Start quiz" at once open one attempt, and every press lands on it."""

import threading

from sqlalchemy import func, select

from carelearn.models import QuizAttempt

from .conftest import csrf_token

PRESSES = 20


def test_twenty_presses_at_once_give_one_open_attempt(app, db, make, logged_in):
    version = make.module()
    person = make.user()
    make.finish_lessons(person, version)
    first = logged_in(person)
    token = csrf_token(first, f"/learn/{version.slug}")
    cookie = first.get_cookie("session").value
    clients = []
    for _ in range(PRESSES):
        client = app.test_client()
        client.set_cookie("session", cookie)
        clients.append(client)
    start = threading.Barrier(PRESSES)
    landed: list[str] = []
    failures: list[BaseException] = []

    def press(client):
        try:
            start.wait()
            response = client.post(f"/learn/{version.slug}/quiz", data={"csrf_token": token})
            assert response.status_code == 302, response.status_code
            landed.append(response.headers["Location"])
        except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, failures
    db.session.expire_all()
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
    attempt_id = db.session.scalar(select(QuizAttempt.id))
    assert set(landed) == {f"/learn/attempts/{attempt_id}"}
