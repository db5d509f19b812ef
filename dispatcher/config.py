"""One settings object, read from the environment (prefix ``DISPATCH_``) when the app is built."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dispatcher.fieldwork.navigation import PROVIDERS


class Settings(BaseSettings):
    """Engine settings; invalid values fail at start-up, naming the variable."""

    model_config = SettingsConfigDict(env_prefix="DISPATCH_", extra="ignore")

    database_url: str = "sqlite:///./dispatch.db"
    redis_url: str | None = None  # set: events go on a Redis stream, `dispatch worker` plans
    redis_stream: str = Field("dispatch:events", min_length=1)
    worker_claim_idle_ms: int = Field(30_000, ge=100)
    timezone: str = "Asia/Shanghai"
    sla_policy_path: Path | None = None
    speed_kmh: float = Field(20.0, gt=0, le=200)
    circuity: float = Field(1.3, ge=1.0, le=5.0)
    solve_budget_ms: int = Field(1000, ge=10, le=600_000)
    debounce_ms: int = Field(200, ge=0, le=60_000)
    # A new ticket stops the search in flight once it has run this long (its plan is kept),
    # so that the next solve takes the ticket in: a 1 s search would otherwise delay it.
    interrupt_after_ms: int = Field(300, ge=0, le=600_000)
    max_overtime_min: int = Field(120, ge=0, le=24 * 60)
    # Cost of a resident's minute of waiting, in seconds of travel: spreads work over idle
    # technicians instead of queueing it behind one. At 10 it kept every technician busy with
    # routine work, so no one was free near the next emergency (district: 2 of 15 late).
    flow_weight: int = Field(2, ge=0, le=3600)
    # Moving a ticket away from the technician it is planned for costs this many travel minutes.
    stability_penalty_min: int = Field(5, ge=0, le=24 * 60)
    # Fair loads: each minute of on-site work a technician is planned past his fair share of
    # the day's work (what is open plus what everyone did today, over those on shift) costs
    # this many seconds of travel; 0 leaves loads to fall where travel and deadlines put them.
    fairness_weight: int = Field(0, ge=0, le=3600)
    # Home areas: giving a technician work outside his home area costs this many travel
    # minutes (a strict area bars it instead, emergencies excepted).
    area_penalty_min: int = Field(20, ge=0, le=24 * 60)
    # Plan to be on site this many minutes before each SLA deadline: actual drives and jobs
    # vary around the estimates (lateness shown to dispatchers still counts from the deadline).
    due_margin_min: int = Field(0, ge=0, le=24 * 60)
    # A technician whose shift starts within this many minutes is planned already (from his
    # shift start, where he is): work that can wait for him is not sent across the district
    # now. Off (0) by default: on the simulated district day (seed 1) 240 raised breaches
    # 11 -> 22 and travel 0.758 -> 0.792 km/ticket (the next shift starts with a backlog).
    plan_shift_ahead_min: int = Field(0, ge=0, le=24 * 60)
    # Turn a technician round on his way to routine or scheduled work when that brings an
    # emergency the plan has late on site at least this many minutes sooner; 0 never does.
    emergency_divert_gain_min: float = Field(5.0, ge=0, le=24 * 60)
    # Failing a turn-around, call a technician away from routine work on site (no appointment,
    # no arrival deadline) for such an emergency; the work goes back to the pool.
    emergency_interrupt: bool = True
    # ... and from a booked appointment when no routine work would do as well: the resident
    # was seen on time (the arrival stays recorded), the rest of the job is planned again.
    emergency_interrupt_appointments: bool = True
    # Plan emergencies to arrive this share of their arrival allowance early (30 min: 6 min
    # early): real travel and work run either side of the estimates, and a plan that arrives
    # on the minute is late about half the time.
    emergency_arrive_margin_pct: float = Field(20.0, ge=0, le=90)
    # Regions of at least this many technicians re-plan an event locally (the routes near it,
    # `local_replan_budget_ms` of search) and in full every `full_replan_every_min` minutes.
    local_replan_from: int = Field(60, ge=0)
    local_replan_budget_ms: int = Field(150, ge=10, le=600_000)
    full_replan_every_min: float = Field(10.0, gt=0, le=24 * 60)
    alert_at_risk_margin_min: int = Field(10, ge=0, le=24 * 60)
    alert_unassigned_after_min: int = Field(10, ge=0, le=24 * 60)
    alert_stale_gps_min: int = Field(10, ge=1, le=24 * 60)
    alert_escalate_after_min: int = Field(15, ge=1, le=24 * 60)
    alert_check_interval_s: float = Field(30.0, gt=0, le=3600)
    # How long a client's Idempotency-Key is remembered: the PWA's offline queue must replay
    # within it. Older keys are forgotten by the clock, so the table does not grow for ever.
    idempotency_ttl_hours: int = Field(72, ge=1, le=24 * 365)
    # The closed loop (follow-up, rework, recurring faults, preventive maintenance).
    followup_due_hours: int = Field(24, ge=1, le=24 * 30)
    followup_expire_hours: int = Field(72, ge=1, le=24 * 90)
    rework_window_days: int = Field(7, ge=0, le=365)
    # The resident's app: a finished repair may be reopened (a linked rework) this long after,
    # and each unit's link may send so many reports and changes an hour.
    reopen_days: int = Field(7, ge=0, le=365)
    resident_writes_per_hour: int = Field(30, ge=1, le=100_000)
    # Giving a rework to the technician who did the original costs this many travel minutes.
    rework_penalty_min: int = Field(30, ge=0, le=24 * 60)
    recurring_window_days: int = Field(30, ge=1, le=365)
    recurring_asset_threshold: int = Field(3, ge=2, le=100)
    recurring_unit_threshold: int = Field(3, ge=2, le=100)
    recurring_building_threshold: int = Field(6, ge=2, le=1000)
    maintenance_horizon_days: int = Field(3, ge=0, le=90)
    # A new report is proposed as a duplicate of an open ticket on the same asset, or of the
    # same category in the same building this close, reported this long before it.
    duplicate_window_min: int = Field(120, ge=0, le=7 * 24 * 60)
    duplicate_distance_m: float = Field(150.0, ge=0, le=100_000)
    # Unset: a random key is generated once and kept in the database (tokens survive restarts).
    secret_key: str | None = Field(None, min_length=16)
    token_ttl_min: int = Field(720, ge=1, le=10_000_000)
    checkin_radius_m: float = Field(150.0, gt=0, le=100_000)
    # A signed alarm whose X-Timestamp is further than this from the server's clock is refused
    # (a replay within it is refused by its signature, which is kept).
    alarm_max_skew_s: int = Field(300, ge=1, le=24 * 3600)
    # GPS ingest (`dispatcher.gps`): a fix is live at once and reaches the database in batches
    # written this often, in one transaction each.
    gps_flush_ms: int = Field(150, ge=10, le=60_000)
    # A fix asks for a re-plan when it is this far from where his last re-plan request had him
    # (about a minute's drive at 20 km/h; GPS noise and walking round a building stay below).
    gps_replan_distance_m: float = Field(300.0, gt=0, le=100_000)
    # ... or when he drives to a ticket he started and his ETAs were last re-timed this long ago.
    gps_retime_s: float = Field(60.0, gt=0, le=24 * 3600)
    # The GPS path re-reads the caller's account at most this often: a disabled account loses
    # access to it within this many seconds (other routes read the account on every request).
    auth_cache_s: float = Field(30.0, ge=0, le=3600)
    # Rate limits (api.ratelimit): a password check costs 0.11 s of CPU (argon2), so wrong
    # passwords lock an account for a while, an address gets a number of tries a minute, and
    # only `login_concurrent_checks` hashes run at once (the rest wait, or get a 429).
    login_failures_per_min: int = Field(5, ge=1, le=10_000)
    login_lockout_min: float = Field(15.0, gt=0, le=24 * 60)
    login_per_address_per_min: int = Field(30, ge=1, le=100_000)
    login_concurrent_checks: int = Field(1, ge=1, le=64)
    login_queue: int = Field(16, ge=0, le=10_000)
    writes_per_min: int = Field(600, ge=1, le=10_000_000)
    writes_per_address_per_min: int = Field(1200, ge=1, le=10_000_000)
    # ~15 fixes/s per technician is the measured storm (1,500/s for 100); this is well above.
    gps_per_s: float = Field(50.0, gt=0, le=100_000)
    # Origins (comma-separated) whose pages may call the API from a browser; none: no CORS.
    cors_origins: str = ""
    photo_dir: Path = Path("var/photos")
    # Map apps (comma-separated, in order) whose links the technician app shows for a stop:
    # amap, baidu (converted to GCJ-02 / BD-09), apple, google, geo (WGS-84).
    nav_links: str = "amap,baidu,geo"
    photo_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, le=1024 * 1024 * 1024)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("nav_links")
    @classmethod
    def _known_map_apps(cls, value: str) -> str:
        unknown = [p for p in cls._split(value) if p not in PROVIDERS]
        if unknown:
            raise ValueError(f"unknown map app(s) {unknown}; use {', '.join(PROVIDERS)}")
        return value

    @staticmethod
    def _split(value: str) -> list[str]:
        return [p.strip() for p in value.split(",") if p.strip()]

    @property
    def map_apps(self) -> list[str]:
        """The map apps whose links a stop shows, in order (`DISPATCH_NAV_LINKS`)."""
        return self._split(self.nav_links)

    @model_validator(mode="after")
    def _expiry_after_due(self) -> Settings:
        if self.followup_expire_hours < self.followup_due_hours:
            raise ValueError(
                "DISPATCH_FOLLOWUP_EXPIRE_HOURS must be >= DISPATCH_FOLLOWUP_DUE_HOURS")
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The company's local time zone, in which shifts are given."""
        return ZoneInfo(self.timezone)
