"""Tests for the task API: each one sends a request and checks the answer.

Every test gets a fresh, empty database of its own, so the tests never touch tasks.db and
never depend on what an earlier test left behind."""

import sqlite3

import pytest
from fastapi.testclient import TestClient

from app import app
from database import SCHEMA, get_db


@pytest.fixture
def client(tmp_path):
    """A test client whose requests use a new database file in a temporary folder."""
    path = tmp_path / "test.db"

    def test_db():
        connection = sqlite3.connect(path, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute(SCHEMA)
        try:
            yield connection
        finally:
            connection.close()

    app.dependency_overrides[get_db] = test_db
    yield TestClient(app)
    app.dependency_overrides.clear()


def test_home_page_welcomes(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "task" in response.json()["message"].lower()


def test_a_new_task_is_created(client):
    response = client.post("/tasks", json={"title": "Test the API", "priority": 2})
    assert response.status_code == 201
    task = response.json()
    assert task["title"] == "Test the API"
    assert task["done"] is False
    assert task["priority"] == 2


def test_a_new_task_can_be_found(client):
    task = client.post("/tasks", json={"title": "Find me"}).json()
    assert client.get(f"/tasks/{task['id']}").json() == task
    assert client.get("/tasks").json() == [task]


def test_a_missing_task_is_404(client):
    response = client.get("/tasks/1")
    assert response.status_code == 404
    assert response.json() == {"detail": "Task not found"}


def test_an_empty_title_is_refused(client):
    response = client.post("/tasks", json={"title": ""})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "title"]
    assert client.get("/tasks").json() == []
