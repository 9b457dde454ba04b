from fastapi import HTTPException
from fastapi_offline import FastAPIOffline

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


@app.get("/")
def home():
    return {"message": "Welcome to the task API!"}


@app.get("/tasks")
def list_tasks():
    return TASKS


@app.get("/tasks/{task_id}")
def get_task(task_id: int):
    for task in TASKS:
        if task["id"] == task_id:
            return task
    raise HTTPException(status_code=404, detail="Task not found")
