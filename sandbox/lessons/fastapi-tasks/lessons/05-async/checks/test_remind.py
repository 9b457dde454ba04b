"""Checks for the "Await the email service" step."""

import inspect
import json

from taskdb import EMAIL, ask, database, json_of, mailer  # noqa: F401 (database is a fixture)


def remind(client, task_id, body):
    r = ask(client, "POST", f"/tasks/{task_id}/remind", body)
    assert not (r.status_int in (404, 405) and r.text in ('{"detail":"Not Found"}', '{"detail":"Method Not Allowed"}')), (
        f"POST /tasks/{task_id}/remind answered {r.status_int}: add an endpoint with "
        "@app.post(\"/tasks/{task_id}/remind\").")
    return r


def test_a_reminder_is_sent(database, client, learner):
    """POST /tasks/{id}/remind sends one email about the task"""
    outbox = mailer(learner).OUTBOX
    r = remind(client, 13, {"email": EMAIL})
    assert r.status_int in (200, 201, 202), f"POST /tasks/13/remind answered {r.status_int}: {r.text[:200]}"
    assert outbox, (
        "POST /tasks/13/remind answered, but the email service got no message. Call it and wait for it: "
        "await send_email(to=reminder.email, subject=...).")
    assert len(outbox) == 1, f"One reminder made the service send {len(outbox)} messages: send exactly one."
    message = outbox[0]
    assert message["to"] == EMAIL, f"The reminder went to {message['to']!r} instead of the address sent, {EMAIL!r}."
    assert "Buy birthday candles" in message["subject"], (
        f"The reminder's subject is {message['subject']!r}: put the task's title in it, "
        "like f\"Reminder: {task['title']}\".")
    answer = json_of(r, "POST /tasks/13/remind")
    assert isinstance(answer, dict) and answer.get("message_id") == message["id"], (
        f"POST /tasks/13/remind answered {r.text[:120]}: answer {{\"sent\": true, \"message_id\": ...}} with the id "
        "send_email gave the message.")


def test_a_missing_task_sends_nothing(database, client, learner):
    """A reminder about a missing task answers 404 and sends nothing"""
    outbox = mailer(learner).OUTBOX
    r = remind(client, 16, {"email": EMAIL})
    assert r.status_int == 404, (
        f"POST /tasks/16/remind answered {r.status_int}, but there is no task 16: find it with "
        "find_task(db, task_id) first, which answers 404.")
    assert not outbox, f"A reminder about a task that does not exist was sent anyway: {json.dumps(outbox)[:120]}"


def test_a_bad_address_is_refused(database, client, learner):
    """An address without an @ is refused with 422"""
    outbox = mailer(learner).OUTBOX
    for body in ({"email": "sam at home"}, {"email": "sam@"}, {}):
        r = remind(client, 13, body)
        assert r.status_int == 422, (
            f"POST /tasks/13/remind with {json.dumps(body)} answered {r.status_int}: that is no email address, so it "
            "should be refused with 422. Describe the body with a model: class Reminder(BaseModel): "
            "email: str = Field(pattern=r\"^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$\").")
    assert not outbox, "A reminder with a bad address was sent anyway."


def test_the_endpoint_is_async(database, app):
    """The endpoint is an async def, which awaits the service"""
    routes = [route for route in app.routes
              if getattr(route, "path", "").endswith("/remind") and "POST" in (getattr(route, "methods", None) or ())]
    assert routes, "Your app has no POST endpoint whose path ends in /remind."
    endpoint = routes[0].endpoint
    assert inspect.iscoroutinefunction(endpoint), (
        f"{endpoint.__name__}() is a plain def. Write it as async def, so that it can await send_email(...) and "
        "your app answers other requests while the email is on its way (asyncio.run would block a whole thread "
        "for it).")
