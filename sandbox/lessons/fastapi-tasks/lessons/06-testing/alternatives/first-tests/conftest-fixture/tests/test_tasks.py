import uuid


def test_welcome(client):
    r = client.get("/")
    assert r.status_code == 200, r.text
    assert "message" in r.json()


def test_create(client):
    r = client.post("/tasks", json={"title": "Write tests"})
    assert r.status_code == 201
    assert r.json()["title"] == "Write tests"


def test_search_finds_the_new_task(client):
    title = f"Unique {uuid.uuid4().hex}"
    created = client.post("/tasks", json={"title": title}).json()
    found = client.get("/tasks", params={"q": title}).json()
    assert [task["id"] for task in found] == [created["id"]]
