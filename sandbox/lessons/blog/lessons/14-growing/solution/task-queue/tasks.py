"""A tiny background task queue: one worker thread runs the jobs, one after another."""

import queue
import threading

jobs = queue.Queue()


def enqueue(function, *args):
    """Hand a job to the worker and return at once."""
    jobs.put((function, args))


def worker():
    while True:
        function, args = jobs.get()
        try:
            function(*args)
        except Exception as error:  # a failing job must not stop the worker
            print(f"Background job {function.__name__} failed: {error}")
        finally:
            jobs.task_done()


threading.Thread(target=worker, name="background-jobs", daemon=True).start()
