"""Checks for the "Only the finished ones" step."""

from taskapi import done_and_open, ids, json_of


def listed(client, query):
    r = client.get(f"/tasks?{query}", status="*")
    assert r.status_int == 200, f"GET /tasks?{query} answered {r.status_int} instead of 200 OK."
    return json_of(r, f"GET /tasks?{query}")


def test_done_true_lists_finished_tasks(client):
    """?done=true lists the finished tasks only"""
    finished, _ = done_and_open(client)
    got = listed(client, "done=true&limit=100")
    assert isinstance(got, list) and ids(got) == ids(finished), (
        f"GET /tasks?done=true listed the tasks {ids(got) if isinstance(got, list) else got}, but the finished ones "
        f"are {ids(finished)}. Take a parameter done: bool | None = None and keep the tasks whose \"done\" equals it "
        "(declared as bool, \"true\" from the address becomes True).")


def test_done_false_lists_unfinished_tasks(client):
    """?done=false lists the unfinished tasks only"""
    _, unfinished = done_and_open(client)
    got = listed(client, "done=false&limit=100")
    assert isinstance(got, list) and ids(got) == ids(unfinished), (
        f"GET /tasks?done=false listed the tasks {ids(got) if isinstance(got, list) else got}, but the unfinished "
        f"ones are {ids(unfinished)}. False is a real answer too: test if done is not None, not if done.")


def test_no_filter_lists_everything(client):
    """Without ?done, every task is listed"""
    finished, unfinished = done_and_open(client)
    everything = sorted(ids(finished) + ids(unfinished))
    got = listed(client, "limit=100")
    assert sorted(ids(got)) == everything, (
        f"GET /tasks without ?done= listed {ids(got)} instead of every task, {everything}. Give the parameter "
        "the default None (done: bool | None = None) and only filter when it is not None.")


def test_nonsense_is_refused(client):
    """?done=maybe is refused with 422"""
    r = client.get("/tasks?done=maybe", status="*")
    assert r.status_int == 422, (
        f"GET /tasks?done=maybe answered {r.status_int}: maybe is neither true nor false, so FastAPI should refuse "
        "it with 422. Declare the parameter's type: done: bool | None = None.")
