from fastapi import HTTPException, Query
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field

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


class TaskUpdate(BaseModel):
    """What a client sends to change a task: only the fields it wants to change."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    done: bool | None = None
    priority: int | None = Field(default=None, ge=1, le=5)


@app.get("/")
def home():
    return {"message": "Welcome to the task API!"}


@app.get("/tasks")
def list_tasks(done: bool | None = None, limit: int = Query(default=10, ge=1, le=100)):
    tasks = TASKS
    if done is not None:
        tasks = [task for task in tasks if task["done"] == done]
    return tasks[:limit]


def find_task(task_id: int) -> dict:
    """The task with this id, or a 404 answer when there is none."""
    for task in TASKS:
        if task["id"] == task_id:
            return task
    raise HTTPException(status_code=404, detail="Task not found")


@app.get("/tasks/{task_id}")
def get_task(task_id: int):
    return find_task(task_id)


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
