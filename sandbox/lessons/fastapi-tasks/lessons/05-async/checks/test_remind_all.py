"""Checks for the "Many emails at once" step."""

from taskdb import EMAIL, ROWS, ask, database, json_of, mailer  # noqa: F401 (database is a fixture)

OPEN = [row[1] for row in ROWS if not row[2]]
FINISHED = [row[1] for row in ROWS if row[2]]


def remind_all(client, body):
    r = ask(client, "POST", "/reminders", body)
    assert r.status_int not in (404, 405), (
        f"POST /reminders answered {r.status_int}: add an endpoint with @app.post(\"/reminders\").")
    return r


def test_one_reminder_per_unfinished_task(database, client, learner):
    """POST /reminders sends one email per unfinished task"""
    outbox = mailer(learner).OUTBOX
    r = remind_all(client, {"email": EMAIL})
    assert r.status_int in (200, 201, 202), f"POST /reminders answered {r.status_int}: {r.text[:200]}"
    subjects = [message["subject"] for message in outbox]
    about_finished = [title for title in FINISHED if any(title in subject for subject in subjects)]
    assert not about_finished, (
        f"POST /reminders sent a reminder about {about_finished[0]!r}, which is finished: only remind of the tasks "
        "with done = 0.")
    for title in OPEN:
        count = sum(title in subject for subject in subjects)
        assert count == 1, (
            f"POST /reminders sent {count} reminders about {title!r} instead of one: send one email per "
            "unfinished task.")
    assert all(message["to"] == EMAIL for message in outbox), "Every reminder should go to the address sent."
    answer = json_of(r, "POST /reminders")
    assert isinstance(answer, dict) and answer.get("sent") == len(OPEN), (
        f"POST /reminders answered {r.text[:120]}: answer how many reminders went out, {{\"sent\": {len(OPEN)}}}.")


def test_the_emails_travel_together(database, client, learner):
    """The emails are on their way at the same time"""
    service = mailer(learner)
    remind_all(client, {"email": EMAIL})
    assert service.STATS["most_at_once"] == len(OPEN), (
        f"The {len(OPEN)} reminders were sent one after another: at most {service.STATS['most_at_once']} was on its "
        "way at any moment. Start them all and wait for them together: "
        "await asyncio.gather(*(send_email(...) for task in tasks)).")


def test_nothing_to_remind(database, client, learner):
    """With every task finished, nothing is sent"""
    database.seed([(1, "All done here", 1, 3)])
    outbox = mailer(learner).OUTBOX
    r = remind_all(client, {"email": EMAIL})
    assert r.status_int in (200, 201, 202), f"POST /reminders with nothing to remind answered {r.status_int}."
    assert json_of(r, "POST /reminders").get("sent") == 0 and not outbox, (
        "With every task finished, POST /reminders should send nothing and answer {\"sent\": 0}.")


def test_a_bad_address_is_refused(database, client, learner):
    """An address without an @ is refused with 422"""
    outbox = mailer(learner).OUTBOX
    r = remind_all(client, {"email": "nobody"})
    assert r.status_int == 422, (
        f"POST /reminders with {{\"email\": \"nobody\"}} answered {r.status_int}: take the body as a Reminder, "
        "like the single reminder does, and bad addresses are refused with 422.")
    assert not outbox, "Reminders to a bad address were sent anyway."
