import pytest
from fastapi.testclient import TestClient

import database
from app import app


@pytest.fixture
def client(tmp_path, monkeypatch):
    # get_db reads database.DATABASE each time it opens a connection.
    monkeypatch.setattr(database, "DATABASE", str(tmp_path / "tests.db"))
    with TestClient(app) as test_client:
        yield test_client
