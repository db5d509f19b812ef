"""`dispatch devices`: issue a device's key, list and revoke devices, send a signed alarm (to
try an installation, or to script a device that cannot sign by itself)."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from pydantic import ValidationError

from dispatcher.alarms.models import AlarmEvent, DeviceKind
from dispatcher.alarms.schemas import AlarmReport, DeviceCreate
from dispatcher.alarms.signing import sign
from dispatcher.config import Settings
from dispatcher.engine import Engine


def register(commands: Any) -> None:
    """Add `devices` and its sub-commands to the `dispatch` parser."""
    devices = commands.add_parser("devices", help="equipment alarm devices and their keys")
    actions = devices.add_subparsers(dest="devices_command", required=True)
    add = actions.add_parser("add", help="add a device on an asset and print its key (once)")
    add.add_argument("name", help="e.g. 'Building 3 elevator alarm'")
    add.add_argument("--kind", required=True, choices=[k.value for k in DeviceKind])
    add.add_argument("--asset", type=int, required=True, help="the asset id it watches")
    actions.add_parser("list", help="list the devices")
    revoke = actions.add_parser("revoke", help="the device's key stops working")
    revoke.add_argument("id", type=int)
    send = actions.add_parser("send", help="sign an alarm with a device's key and POST it")
    send.add_argument("id", type=int, help="the device id")
    send.add_argument("event", choices=[e.value for e in AlarmEvent])
    send.add_argument("code", help="the device's fault code, e.g. E12")
    send.add_argument("--message", default="")
    send.add_argument("--key", required=True, help="the key `devices add` printed")
    send.add_argument("--url", default="http://127.0.0.1:8000", help="the server")


def run(args: argparse.Namespace) -> int:
    """Run one `devices` sub-command; the exit code."""
    if args.devices_command == "send":
        return _send(args)
    engine = Engine(Settings())
    try:
        if args.devices_command == "add":
            try:
                data = DeviceCreate(name=args.name, kind=DeviceKind(args.kind),
                                    asset_id=args.asset)
            except ValidationError as exc:
                print(f"dispatch devices add: {_reasons(exc)}", file=sys.stderr)
                return 1
            device = engine.alarms.add_device(data)
            print(f"added device {device.id} ({device.kind.value}, asset {device.asset_id})")
            print(f"key: {device.key}")
            print("keep the key on the device: it is not shown again")
        elif args.devices_command == "list":
            for d in engine.alarms.devices():
                state = f"revoked {d.revoked_at:%Y-%m-%d}" if d.revoked_at else "active"
                print(f"{d.id}\t{d.name}\t{d.kind.value}\tasset {d.asset_id}\t{state}")
        else:
            device = engine.alarms.revoke(args.id)
            print(f"revoked device {device.id} ({device.name})")
        return 0
    finally:
        engine.stop()


def _send(args: argparse.Namespace) -> int:
    try:
        report = AlarmReport(event=AlarmEvent(args.event), code=args.code, message=args.message)
    except ValidationError as exc:
        print(f"dispatch devices send: {_reasons(exc)}", file=sys.stderr)
        return 1
    body = report.model_dump_json().encode()
    now = int(time.time())
    request = urllib.request.Request(
        args.url.rstrip("/") + "/api/v1/alarms", data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Device-Id": str(args.id),
            "X-Timestamp": str(now), "X-Signature": sign(args.key, now, body)})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            print(json.dumps(json.loads(answer.read()), ensure_ascii=False))
            return 0
    except urllib.error.HTTPError as exc:
        print(f"dispatch devices send: {exc.code} {exc.read().decode(errors='replace')}",
              file=sys.stderr)
    except urllib.error.URLError as exc:
        print(f"dispatch devices send: cannot reach {args.url}: {exc.reason}", file=sys.stderr)
    return 1


def _reasons(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
