import asyncio
import sqlite3

from fastapi import Depends, HTTPException, Query
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field

from database import get_db
from mailer import send_email

# FastAPIOffline makes an ordinary FastAPI app. The one difference: its /docs page
# works without an internet connection, so it works in the sandbox too.
app = FastAPIOffline(
    title="Task API",
    description="Keep track of what there is to do.",
    version="1.0.0",
)


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


class Reminder(BaseModel):
    """Where to send a reminder."""

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@app.get("/")
def home():
    return {"message": "Welcome to the task API!"}


@app.get("/tasks", response_model=list[Task])
def list_tasks(
    done: bool | None = None,
    q: str | None = None,
    limit: int = Query(default=10, ge=1, le=100),
    db: sqlite3.Connection = Depends(get_db),
):
    conditions, values = [], []
    if done is not None:
        conditions.append("done = ?")
        values.append(done)
    if q:
        conditions.append("title LIKE ?")
        values.append(f"%{q}%")
    sql = "SELECT * FROM tasks"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += " ORDER BY id LIMIT ?"
    values.append(limit)
    return [dict(row) for row in db.execute(sql, values)]


def find_task(db: sqlite3.Connection, task_id: int) -> dict:
    """The task with this id, or a 404 answer when there is none."""
    row = db.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="Task not found")
    return dict(row)


@app.get("/tasks/{task_id}", response_model=Task)
def get_task(task_id: int, db: sqlite3.Connection = Depends(get_db)):
    return find_task(db, task_id)


@app.post("/tasks", response_model=Task, status_code=201)
def create_task(task: TaskIn, db: sqlite3.Connection = Depends(get_db)):
    cursor = db.execute(
        "INSERT INTO tasks (title, done, priority) VALUES (?, ?, ?)",
        (task.title, task.done, task.priority),
    )
    db.commit()
    return {"id": cursor.lastrowid, **task.model_dump()}


@app.patch("/tasks/{task_id}", response_model=Task)
def update_task(task_id: int, changes: TaskUpdate, db: sqlite3.Connection = Depends(get_db)):
    task = find_task(db, task_id)
    task.update(changes.model_dump(exclude_unset=True))
    db.execute(
        "UPDATE tasks SET title = ?, done = ?, priority = ? WHERE id = ?",
        (task["title"], task["done"], task["priority"], task_id),
    )
    db.commit()
    return task


@app.delete("/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, db: sqlite3.Connection = Depends(get_db)):
    find_task(db, task_id)
    db.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
    db.commit()


@app.post("/tasks/{task_id}/remind")
async def remind(task_id: int, reminder: Reminder, db: sqlite3.Connection = Depends(get_db)):
    task = find_task(db, task_id)
    message = await send_email(to=reminder.email, subject=f"Reminder: {task['title']}")
    return {"sent": True, "message_id": message["id"]}


@app.post("/reminders")
async def remind_all(reminder: Reminder, db: sqlite3.Connection = Depends(get_db)):
    tasks = db.execute("SELECT * FROM tasks WHERE done = 0 ORDER BY id").fetchall()
    messages = await asyncio.gather(
        *(send_email(to=reminder.email, subject=f"Reminder: {task['title']}") for task in tasks)
    )
    return {"sent": len(messages)}
