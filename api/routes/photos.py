"""Photos of a ticket's work: upload (multipart), list, and the image itself.

`GET /photos/{id}` also takes `?access_token=` so an `<img>` can show it; only users allowed to
see the ticket get the file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BeforeValidator

from api import errors
from api.deps import CurrentUser, EngineDep, Id, blank_as_none
from dispatcher.errors import Invalid
from dispatcher.photos.models import PhotoTag
from dispatcher.photos.schemas import PhotoRead

router = APIRouter(tags=["photos"])


class PhotoLink(PhotoRead):
    url: str

    @classmethod
    def of(cls, photo: PhotoRead) -> PhotoLink:
        return cls(**photo.model_dump(), url=f"/api/v1/photos/{photo.id}")


@router.post("/tickets/{ticket_id}/photos", status_code=status.HTTP_201_CREATED,
             responses=errors.declare(413, 415))
def upload(ticket_id: Id, engine: EngineDep, user: CurrentUser,
           file: Annotated[UploadFile, File(description="JPEG, PNG or WebP")],
           tag: Annotated[PhotoTag, Form(description="before, after, inspection")] = PhotoTag.after,
           taken_at: Annotated[datetime | None, Form(), BeforeValidator(blank_as_none)] = None,
           ) -> PhotoLink:
    """413 over the size limit, 415 if the bytes are not a JPEG/PNG/WebP image."""
    if taken_at is not None and taken_at.tzinfo is None:
        raise Invalid("taken_at must include a time zone", field="taken_at")
    data = file.file.read(engine.settings.photo_max_bytes + 1)  # one byte over is enough
    return PhotoLink.of(engine.field.add_photo(ticket_id, data, tag=tag,
                                         taken_at=taken_at, by=user))


@router.get("/tickets/{ticket_id}/photos")
def list_photos(ticket_id: Id, engine: EngineDep, user: CurrentUser) -> list[PhotoLink]:
    return [PhotoLink.of(p) for p in engine.field.list_photos(ticket_id, by=user)]


@router.get("/photos/{photo_id}", response_class=FileResponse)
def photo_file(photo_id: Id, engine: EngineDep, user: CurrentUser) -> FileResponse:
    """The image, to a user allowed to see its ticket."""
    path, content_type = engine.field.photo_file(photo_id, by=user)
    return FileResponse(path, media_type=content_type,
                        headers={"Cache-Control": "private, max-age=86400"})
