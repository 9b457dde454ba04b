import sqlite3

from fastapi import Depends, HTTPException, Query
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field

from database import get_db

# FastAPIOffline makes an ordinary FastAPI app. The one difference: its /docs page
# works without an internet connection, so it works in the sandbox too.
app = FastAPIOffline(
    title="Task API",
    description="Keep track of what there is to do.",
    version="1.0.0",
)

TASKS = [
    {"id": 1, "title": "Water the plants", "done": False, "priority": 2},
    {"id": 2, "title": "Write the shopping list", "done": True, "priority": 3},
    {"id": 3, "title": "Call the plumber", "done": False, "priority": 1},
]


class TaskIn(BaseModel):
    """What a client sends to make a task: the id is the API's to choose."""

    title: str = Field(min_length=1, max_length=200)
    done: bool = False
    priority: int = Field(default=3, ge=1, le=5)


class Task(TaskIn):
    """A task as the API answers it: what was sent, plus its id."""

    id: int


class TaskUpdate(BaseModel):
    """What a client sends to change a task: only the fields it wants to change."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    done: bool | None = None
    priority: int | None = Field(default=None, ge=1, le=5)


@app.get("/")
def home():
    return {"message": "Welcome to the task API!"}


@app.get("/tasks", response_model=list[Task])
def list_tasks(
    done: bool | None = None,
    limit: int = Query(default=10, ge=1, le=100),
    db: sqlite3.Connection = Depends(get_db),
):
    if done is None:
        rows = db.execute("SELECT * FROM tasks ORDER BY id LIMIT ?", (limit,))
    else:
        rows = db.execute("SELECT * FROM tasks WHERE done = ? ORDER BY id LIMIT ?", (done, limit))
    return [dict(row) for row in rows]


def find_task(task_id: int) -> dict:
    """The task with this id, or a 404 answer when there is none."""
    for task in TASKS:
        if task["id"] == task_id:
            return task
    raise HTTPException(status_code=404, detail="Task not found")


@app.get("/tasks/{task_id}", response_model=Task)
def get_task(task_id: int, db: sqlite3.Connection = Depends(get_db)):
    row = db.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="Task not found")
    return dict(row)


@app.post("/tasks", status_code=201)
def create_task(task: TaskIn):
    new = {"id": max((t["id"] for t in TASKS), default=0) + 1, **task.model_dump()}
    TASKS.append(new)
    return new


@app.patch("/tasks/{task_id}")
def update_task(task_id: int, changes: TaskUpdate):
    task = find_task(task_id)
    task.update(changes.model_dump(exclude_unset=True))
    return task


@app.delete("/tasks/{task_id}", status_code=204)
def delete_task(task_id: int):
    TASKS.remove(find_task(task_id))
