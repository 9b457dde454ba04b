from fastapi import HTTPException, Query
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel

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

    title: str
    done: bool = False
    priority: int = 3


@app.get("/")
def home():
    return {"message": "Welcome to the task API!"}


@app.get("/tasks")
def list_tasks(done: bool | None = None, limit: int = Query(default=10, ge=1, le=100)):
    tasks = TASKS
    if done is not None:
        tasks = [task for task in tasks if task["done"] == done]
    return tasks[:limit]


@app.get("/tasks/{task_id}")
def get_task(task_id: int):
    for task in TASKS:
        if task["id"] == task_id:
            return task
    raise HTTPException(status_code=404, detail="Task not found")


@app.post("/tasks", status_code=201)
def create_task(task: TaskIn):
    new = {"id": max((t["id"] for t in TASKS), default=0) + 1, **task.model_dump()}
    TASKS.append(new)
    return new
