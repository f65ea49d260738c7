"""Peewee models for the Frigate tables the media API reads and writes, on Frigate's exact schema.

Time columns are declared DATETIME by Frigate's migrations but hold Unix epoch floats, so they
are FloatFields here; booleans are INTEGER 0/1; JSON columns are text holding json.dumps output.
"""

from __future__ import annotations

import json
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    DatabaseProxy,
    FloatField,
    IntegerField,
    Model,
    TextField,
)

database_proxy = DatabaseProxy()


class JSONField(TextField):  # type: ignore[misc]
    """A TEXT column holding JSON, as playhouse's JSONField stores it."""

    field_type = "JSON"

    def db_value(self, value: Any) -> Any:
        return None if value is None else json.dumps(value)

    def python_value(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        try:
            return json.loads(value)
        except (TypeError, ValueError):
            return None


class BaseModel(Model):  # type: ignore[misc]
    class Meta:
        database = database_proxy


class Event(BaseModel):
    id = CharField(null=False, primary_key=True, max_length=30)
    label = CharField(index=True, max_length=20)
    sub_label = CharField(max_length=100, null=True)
    camera = CharField(index=True, max_length=20)
    start_time = FloatField()
    end_time = FloatField(null=True)
    top_score = FloatField(null=True)
    score = FloatField(null=True)
    false_positive = BooleanField(null=True)
    zones = JSONField()
    thumbnail = TextField(null=True)
    has_clip = BooleanField(default=True)
    has_snapshot = BooleanField(default=True)
    region = JSONField(null=True)
    box = JSONField(null=True)
    area = IntegerField(null=True)
    retain_indefinitely = BooleanField(default=False)
    ratio = FloatField(null=True)
    plus_id = CharField(max_length=30, null=True)
    model_hash = CharField(max_length=32, null=True)
    detector_type = CharField(max_length=32, null=True)
    model_type = CharField(max_length=32, null=True)
    data = JSONField()

    class Meta:
        table_name = "event"


class Recordings(BaseModel):
    id = CharField(null=False, primary_key=True, max_length=30)
    camera = CharField(index=True, max_length=20)
    path = CharField(unique=True)
    start_time = FloatField()
    end_time = FloatField()
    duration = FloatField()
    motion = IntegerField(null=True)
    objects = IntegerField(null=True)
    dBFS = IntegerField(null=True)
    segment_size = FloatField(default=0)
    regions = IntegerField(null=True)

    class Meta:
        table_name = "recordings"


class Previews(BaseModel):
    id = CharField(null=False, primary_key=True, max_length=30)
    camera = CharField(max_length=20)
    path = CharField()
    start_time = FloatField()
    end_time = FloatField()
    duration = FloatField()

    class Meta:
        table_name = "previews"


class Regions(BaseModel):
    camera = CharField(null=False, primary_key=True, max_length=20)
    grid = JSONField(null=True)
    last_update = FloatField()

    class Meta:
        table_name = "regions"


class ReviewSegment(BaseModel):
    id = CharField(null=False, primary_key=True, max_length=30)
    camera = CharField(max_length=20)
    start_time = FloatField()
    end_time = FloatField(null=True)
    severity = CharField(max_length=30)
    thumb_path = CharField()
    data = JSONField()

    class Meta:
        table_name = "reviewsegment"


class User(BaseModel):
    username = CharField(null=False, primary_key=True, max_length=30)
    role = CharField(max_length=20, default="admin")
    password_hash = CharField(null=False, max_length=120)
    password_changed_at = FloatField(null=True)
    notification_tokens = JSONField()

    class Meta:
        table_name = "user"


class Export(BaseModel):
    id = CharField(null=False, primary_key=True, max_length=30)
    camera = CharField(max_length=20)
    name = CharField(max_length=100)
    date = FloatField()
    video_path = CharField()
    thumb_path = CharField()
    in_progress = BooleanField()
    export_case_id = CharField(max_length=30, null=True)

    class Meta:
        table_name = "export"


ALL_MODELS: tuple[type[BaseModel], ...] = (
    Event,
    Recordings,
    Previews,
    Regions,
    ReviewSegment,
    User,
    Export,
)
