"""Photo verbs: accept an image judged by its bytes, keep one file per content, list, serve.

Files live under the configured directory as `<sha256>.<ext>`: the same picture uploaded twice
is stored once, and a name never reveals the ticket. Rows flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.auth.tokens import Principal
from dispatcher.enums import Status
from dispatcher.errors import Conflict, Invalid, NotFound, TooLarge, Unsupported
from dispatcher.events import service as events
from dispatcher.fieldwork import service as fieldwork
from dispatcher.photos.models import Photo, PhotoTag
from dispatcher.tickets.models import Ticket

# Work under way or just done; a photo of a cancelled or unstarted ticket is a mistake.
PHOTO_STATUSES = (Status.assigned, Status.accepted, Status.en_route, Status.on_site,
                  Status.completed)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def sniff(data: bytes) -> str | None:
    """The image type the bytes themselves say (JPEG, PNG or WebP), whatever the file name."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check(data: bytes, *, max_bytes: int) -> str:
    """The content type of an acceptable upload, or the error saying why it is refused."""
    if not data:
        raise Invalid("file is empty", field="file")
    if len(data) > max_bytes:
        raise TooLarge(f"file is larger than {max_bytes} bytes "
                       f"({max_bytes / 1024 / 1024:.0f} MB)", field="file")
    content_type = sniff(data)
    if content_type is None:
        raise Unsupported("file is not a JPEG, PNG or WebP image", field="file")
    return content_type


def save(directory: Path, data: bytes, content_type: str) -> str:
    """Write the bytes once under their SHA-256 (atomically); the hash."""
    digest = hashlib.sha256(data).hexdigest()
    path = directory / f"{digest}.{EXTENSIONS[content_type]}"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    return digest


def add(session: Session, *, ticket_id: int, who: Principal | None, data: bytes,
        tag: PhotoTag, taken_at: datetime, now: datetime, directory: Path,
        max_bytes: int) -> Photo:
    """Attach a photo to a ticket its uploader may act on."""
    ticket = fieldwork.mine(session, ticket_id=ticket_id, who=who)
    if ticket.status not in PHOTO_STATUSES:
        raise Conflict(f"ticket {ticket.id} is {ticket.status.value}; photos are taken while "
                       "the work is under way or just done", field="ticket_id")
    return attach(session, ticket=ticket, data=data, tag=tag,
                  by=who.username if who else "system", taken_at=taken_at, now=now,
                  directory=directory, max_bytes=max_bytes)


def attach(session: Session, *, ticket: Ticket, data: bytes, tag: PhotoTag, by: str,
           taken_at: datetime, now: datetime, directory: Path, max_bytes: int) -> Photo:
    """Judge the bytes, keep the file once, and add its row to `ticket` (whoever may)."""
    content_type = check(data, max_bytes=max_bytes)
    digest = save(directory, data, content_type)
    photo = Photo(ticket_id=ticket.id, sha256=digest, tag=tag, content_type=content_type,
                  bytes=len(data), uploaded_by=by, taken_at=taken_at, uploaded_at=now)
    session.add(photo)
    session.flush()
    events.record(session, type="ticket.photo_added", at=now, payload={
        "ticket_id": ticket.id, "technician_id": ticket.technician_id, "region": ticket.region,
        "photo_id": photo.id, "tag": tag.value})
    return photo


def list_(session: Session, *, ticket_id: int, who: Principal | None) -> list[Photo]:
    """A ticket's photos, oldest first."""
    ticket = fieldwork.mine(session, ticket_id=ticket_id, who=who)
    return list(session.scalars(select(Photo).where(Photo.ticket_id == ticket.id)
                                .order_by(Photo.id)))


def file(session: Session, *, photo_id: int, who: Principal | None,
         directory: Path) -> tuple[Path, str]:
    """The stored file and its content type, for a user allowed to see the photo's ticket."""
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} not found", field="photo_id")
    fieldwork.mine(session, ticket_id=photo.ticket_id, who=who)
    path = directory / f"{photo.sha256}.{EXTENSIONS[photo.content_type]}"
    if not path.is_file():
        raise NotFound(f"photo {photo_id}'s file is missing from the photo store",
                       field="photo_id")
    return path, photo.content_type
