"""Equipment alarms: a device posts a signed alarm; no account, its key is the credential."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, status
from fastapi.concurrency import run_in_threadpool

from api.deps import EngineDep
from dispatcher.alarms.schemas import AlarmReport, AlarmResult
from dispatcher.alarms.signing import PREFIX
from dispatcher.schemas import MAX_ID

router = APIRouter(tags=["alarms"])

DeviceId = Annotated[int, Header(alias="X-Device-Id", ge=1, le=MAX_ID,
                                 description="the device's id from `dispatch devices add`")]
Timestamp = Annotated[int, Header(alias="X-Timestamp", ge=0, le=2**40,
                                  description="when the device signed, seconds since 1970 UTC")]
Signature = Annotated[str, Header(
    alias="X-Signature", pattern=rf"^{PREFIX}[0-9a-f]{{64}}$",
    description="sha256= and the hex HMAC-SHA256 of '<X-Timestamp>.<body>' with the key")]


@router.post("/alarms", status_code=status.HTTP_201_CREATED, responses={
    401: {"description": "unknown or revoked device, wrong signature, or a timestamp too "
                         "far from the server's clock"}})
async def receive_alarm(request: Request, body: AlarmReport, engine: EngineDep,
                        device_id: DeviceId, timestamp: Timestamp,
                        signature: Signature) -> AlarmResult:
    """A raised alarm opens an emergency ticket on the device's asset with its category's
    deadlines (or joins the device's open one); a cleared alarm cancels that ticket if nobody
    has set off yet. The same signed request twice is a 409."""
    raw = await request.body()
    return await run_in_threadpool(
        engine.alarms.receive, device_id=device_id, timestamp=timestamp, signature=signature,
        body=raw, report=body)
