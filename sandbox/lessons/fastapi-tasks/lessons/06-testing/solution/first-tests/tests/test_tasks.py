"""Tests for the task API: each one sends a request and checks the answer."""

from fastapi.testclient import TestClient

from app import app

client = TestClient(app)


def test_home_page_welcomes():
    response = client.get("/")
    assert response.status_code == 200
    assert "task" in response.json()["message"].lower()


def test_a_new_task_is_created():
    response = client.post("/tasks", json={"title": "Test the API", "priority": 2})
    assert response.status_code == 201
    task = response.json()
    assert task["title"] == "Test the API"
    assert task["done"] is False
    assert task["priority"] == 2


def test_a_new_task_can_be_found():
    task = client.post("/tasks", json={"title": "Find me"}).json()
    assert client.get(f"/tasks/{task['id']}").json() == task
    listed = client.get("/tasks", params={"limit": 100}).json()
    assert task["id"] in [t["id"] for t in listed]
