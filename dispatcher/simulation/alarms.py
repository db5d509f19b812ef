"""The demo's alarm devices: one on each elevator, the fire system and the pump room. Now and
then one raises an alarm, signed with its key as the real device signs, and about a third clear
again within minutes (a door sensor, a detector's dust): those tickets cancel themselves if
nobody has set off yet."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from dispatcher.alarms.models import AlarmEvent, Device, DeviceKind
from dispatcher.alarms.schemas import AlarmReport, AlarmResult, DeviceCreate
from dispatcher.alarms.signing import sign
from dispatcher.assets.models import AssetKind
from dispatcher.engine import Engine

KIND = {AssetKind.elevator: (DeviceKind.elevator_alarm, "报警器", ("E12 困人", "E30 门锁回路")),
        AssetKind.fire_system: (DeviceKind.fire_panel, "火警控制器", ("F03 烟感", "F11 手报")),
        AssetKind.pump_room: (DeviceKind.water_pressure, "压力监测", ("P02 管网低压",))}


class AlarmFeed:
    """Installs the devices, then raises (and sometimes clears) alarms on the engine's clock."""

    def __init__(self, engine: Engine, *, seed: int, per_hour: float = 0.5,
                 false_share: float = 0.35) -> None:
        self.engine = engine
        self.random = random.Random(seed)
        self.per_hour = per_hour
        self.false_share = false_share
        self.devices: list[tuple[int, str, str]] = []  # (id, key, the alarms it gives)
        self.next_at: datetime | None = None
        self.clearing: list[tuple[datetime, int, str, str]] = []  # (when, device, key, code)

    def install(self, site_id: str) -> None:
        """A device on each elevator, fire system and pump room of the site (once)."""
        with self.engine.sessions() as s:
            known = {d.asset_id: d for d in s.scalars(select(Device))}
        self.devices = []
        for asset in self.engine.list_assets(site_id=site_id):
            if asset.kind not in KIND:
                continue
            kind, label, codes = KIND[asset.kind]
            device = known.get(asset.id) or self.engine.alarms.add_device(DeviceCreate(
                name=f"{asset.name} {label}", kind=kind, asset_id=asset.id))
            self.devices.append((device.id, device.key, "|".join(codes)))

    def step(self, now: datetime) -> None:
        """Raise the alarms due by `now` and clear the false ones whose time has come."""
        if not self.devices:
            return
        if self.next_at is None:
            self.next_at = now + self._gap()
        while self.next_at <= now:
            device, key, codes = self.random.choice(self.devices)
            code, _, text = self.random.choice(codes.split("|")).partition(" ")
            self.send(device, key, AlarmReport(event=AlarmEvent.raised, code=code, message=text),
                      now)
            if self.random.random() < self.false_share:
                self.clearing.append(
                    (now + timedelta(minutes=self.random.uniform(1, 4)), device, key, code))
            self.next_at += self._gap()
        for item in [c for c in self.clearing if c[0] <= now]:
            self.clearing.remove(item)
            self.send(item[1], item[2], AlarmReport(event=AlarmEvent.cleared, code=item[3]), now)

    def send(self, device: int, key: str, report: AlarmReport, now: datetime) -> AlarmResult:
        """One alarm through the same checks as `POST /alarms`: signed, timestamped now."""
        body = report.model_dump_json().encode()
        at = int(now.timestamp())
        return self.engine.alarms.receive(device_id=device, timestamp=at,
                                          signature=sign(key, at, body), body=body,
                                          report=report)

    def _gap(self) -> timedelta:
        return timedelta(hours=self.random.expovariate(self.per_hour))
