"""Photo output."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from dispatcher.photos.models import PhotoTag


class PhotoRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket_id: int
    sha256: str
    tag: PhotoTag
    content_type: str
    bytes: int
    uploaded_by: str
    taken_at: datetime
