"""The sandbox's tables as Peewee models, bound to the per-thread ``database`` of ``store.engine``."""

from __future__ import annotations

import datetime as dt

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField

from sandbox.store import engine


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = engine.database


class SchemaVersion(BaseModel):
    version = IntegerField()


class Preference(BaseModel):
    """App-wide key/value settings, such as which learner profile is active."""

    key = CharField(primary_key=True)
    value = TextField()


class Learner(BaseModel):
    name = CharField(max_length=80)
    theme = CharField(default="light")
    font_size = IntegerField(default=14)
    created_at = DateTimeField(default=now)


class StepState(BaseModel):
    learner = ForeignKeyField(Learner, backref="step_states", on_delete="CASCADE")
    pack_id = CharField()
    lesson_id = CharField()
    step_id = CharField()
    status = CharField(default="open")  # open | passed
    attempts = IntegerField(default=0)
    hints_revealed = IntegerField(default=0)
    solution_viewed = BooleanField(default=False)
    first_opened_at = DateTimeField(default=now)
    passed_at = DateTimeField(null=True)
    seconds_spent = IntegerField(default=0)
    last_active_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("learner", "pack_id", "lesson_id", "step_id"), True),)


class Attempt(BaseModel):
    learner = ForeignKeyField(Learner, backref="attempts", on_delete="CASCADE")
    pack_id = CharField()
    lesson_id = CharField()
    step_id = CharField()
    kind = CharField()  # code | quiz
    passed = BooleanField()
    duration_ms = IntegerField(default=0)
    result_json = TextField(default="{}")
    created_at = DateTimeField(default=now)


class FileVersion(BaseModel):
    learner = ForeignKeyField(Learner, backref="file_versions", on_delete="CASCADE")
    pack_id = CharField()
    lesson_id = CharField()
    path = CharField()
    content = TextField()
    reason = CharField(default="save")  # save | check | reset | restore | starter
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("learner", "pack_id", "lesson_id", "path"), False),)


class ImportedReport(BaseModel):
    """A learner's progress report imported on the Instructor page (the gradebook keeps them)."""

    report_id = CharField(unique=True)
    learner_name = CharField()
    pack_id = CharField()
    pack_version = CharField()
    generated_at = CharField()
    content = TextField()  # the report's JSON, as checked on import
    imported_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("learner_name", "pack_id"), False),)
