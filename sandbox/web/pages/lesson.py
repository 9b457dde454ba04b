"""The lesson page and its htmx fragments: read a step, edit and save files, check, answer a quiz,
reveal hints, see the solution, reset, and bring back an earlier version of a file.

Each route reads the request, calls one of ``work.coursework``'s verbs and renders; a non-htmx
form post is answered with a redirect back to the step.
"""

from __future__ import annotations

import json
from html import escape

from bottle import redirect, request, response

from sandbox.checker.results import headline
from sandbox.classroom.hub_client import push_soon
from sandbox.errors import BadRequest
from sandbox.web import context
from sandbox.web.markdown import render_markdown
from sandbox.web.pages import packs
from sandbox.web.render import render
from sandbox.work import coursework, progress, workspace


def place(pack_id: str, lesson_id: str, step_id: str, *, unlocked: bool = True) -> coursework.Place:
    """The step for the current learner (PackNotFound, or Refused when ``unlocked`` and it is locked)."""
    settings = context.settings()
    return coursework.find(context.services().catalog, context.learner_id(), settings.workspaces_dir,
                           pack_id, lesson_id, step_id, unlocked=unlocked)


def for_page(result: dict, pack_id: str) -> dict:
    """A step's result as the template shows it: with its headline, and the next step as a URL."""
    outcome = result.get("outcome")
    if outcome:
        following = outcome.get("next_step")
        outcome["next_url"] = context.step_url(pack_id, *following) if following else None
    if not result.get("quiz") and not result.get("read"):
        result["headline"] = headline(result)
    return result


def fragment_or_back(here: coursework.Place, partial: str, **data):
    """An htmx request gets the fragment; a plain form post goes back to the step's page."""
    if context.is_htmx():
        return render(partial, here=here.ids, csrf=context.csrf(), **data)
    return redirect(context.step_url(**here.ids), 303)


def result_fragment(here: coursework.Place, result: dict):
    if (result.get("outcome") or {}).get("passed"):  # classroom mode: the class gets the new progress
        push_soon(context.services(), here.learner_id, here.pack.id)
    result = for_page(result, here.pack.id)
    return fragment_or_back(here, "partials/result", result=result,
                            outline=progress.outline(here.learner_id, here.pack))


def continue_pack(pack_id):
    pack = context.services().catalog.get(pack_id)
    lesson_id, step_id = coursework.continue_at(context.learner_id(), pack)
    redirect(context.step_url(pack_id, lesson_id, step_id), 303)


def show(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    data = coursework.step_page(here)
    following = data.pop("next_step")
    data["next_url"] = context.step_url(pack_id, *following) if following else None
    data["instructions"] = render_markdown(data["instructions"], packs.image_url(
        pack_id, lesson_id, here.step.instructions.relative_to(here.lesson.root).as_posix()))
    if data["result"]:
        data["result"] = for_page(data["result"], pack_id)
    return render("lesson", context.page_context(), here=here.ids, libraries=libraries_notice(here), **data)


def libraries_notice(here) -> str | None:
    """A sentence while the pack's own libraries are not ready (read only: ``visit`` starts the install)."""
    if not here.pack.requirements or here.environments is None or here.step.kind != "code":
        return None
    state = here.environments.state(here.pack)
    if state.state == "ready":
        return None
    if state.state == "failed":
        return state.error
    what = here.pack.framework or "the libraries this course needs"
    return (f"Getting {what} ready for this course (the first time only, up to a minute): Check and your "
            f"app's preview work once it is installed.")


def visit(pack_id, lesson_id, step_id):
    """POST from the lesson page once it has loaded: {"started": true} when its files were just made."""
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    if here.pack.requirements and here.environments is not None \
            and here.environments.state(here.pack).state not in ("ready", "failed"):
        here.environments.prepare_in_background(here.pack)  # the first visit to a track installs its libraries
    return {"started": coursework.visit(here)}


def start(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id)
    coursework.start_lesson(here, carry=request.forms.get("mode") == "carry")
    redirect(context.step_url(**here.ids), 303)


def save(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    base = request.forms.getunicode("version")
    text = request.forms.getunicode("content", "")
    coursework.save(here, request.forms.getunicode("path", ""), text, base=base)
    return {"version": workspace.text_hash(text)}


def check(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id)
    files = posted_files()
    result = coursework.save_and_check(here, files, context.services().checker, bases=posted_files("version:"))
    # The editors now start from what was just saved: htmx hands this to the page as an event.
    versions = {rel: workspace.text_hash(text) for rel, text in files.items()}
    response.set_header("HX-Trigger", json.dumps({"sandbox:versions": versions}))
    return result_fragment(here, result)


def quiz(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id)
    chosen = [number for v in request.forms.getall("choice") if (number := context.whole_number(v)) is not None]
    return result_fragment(here, coursework.answer_quiz(here, chosen))


def read(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id)
    result = coursework.mark_read(here)
    following = result["outcome"]["next_step"]
    if not context.is_htmx() and following:
        push_soon(context.services(), here.learner_id, here.pack.id)
        redirect(context.step_url(pack_id, *following), 303)
    return result_fragment(here, result)


def hint(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    return fragment_or_back(here, "partials/hints", hints=coursework.reveal_hint(here), hint_count=len(here.step.hints))


def solution(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    return fragment_or_back(here, "partials/solution", solution=coursework.solution(here))


def use_solution(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    rel = request.forms.getunicode("path", "") or ""
    coursework.use_solution_file(here, rel)
    if context.is_htmx():
        return f"{escape(rel)} now holds the solution's version; yours is in its History."
    return redirect(context.step_url(**here.ids), 303)


def reset(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    coursework.reset(here)
    redirect(context.step_url(**here.ids), 303)


def history(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    path = request.query.getunicode("path", "")
    return render("partials/history", here=here.ids, path=path, csrf=context.csrf(), **coursework.history(here, path))


def restore(pack_id, lesson_id, step_id):
    here = place(pack_id, lesson_id, step_id, unlocked=False)
    version = context.whole_number(request.forms.get("version"))
    if version is None:
        raise BadRequest("Choose a version to restore.")
    coursework.restore(here, version)
    redirect(context.step_url(**here.ids), 303)


def posted_files(prefix: str = "file:") -> dict[str, str]:
    """Fields named ``<prefix><path>`` by path: the editor's files (``file:``) and what each started
    from (``version:``), sent with a check."""
    return {key[len(prefix):]: request.forms.getunicode(key, "") or "" for key in request.forms.keys()
            if key.startswith(prefix)}
