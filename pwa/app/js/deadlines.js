// Which SLA deadline a stop is racing now, and how long is left, for the countdown badge.

import { hhmm } from "./dom.js";
import { currentLang, t } from "./i18n.js";

const BEFORE_ACCEPT = ["new", "assigned"];

// The server's clock minus the phone's, from the time stamps of live events. It only grows:
// events replayed after a reconnect are older and must not pull it back; the first one sets it
// (the demo runs a simulated clock, far from the phone's).
let skew = null;
export function sawServerTime(iso) {
  const candidate = Date.parse(iso) - Date.now();
  if (!Number.isNaN(candidate) && (skew === null || candidate > skew)) skew = candidate;
}
export const serverNow = () => Date.now() + (skew ?? 0);
export const BEFORE_ARRIVAL = ["new", "assigned", "accepted", "en_route"];

/** [kind, iso] of the next deadline for a ticket in `status`, or null. */
export function nextDeadline(ticket, status) {
  if (BEFORE_ACCEPT.includes(status) && ticket.respond_by) return ["respond", ticket.respond_by];
  if (BEFORE_ARRIVAL.includes(status)) {
    const arrive = ticket.arrive_by || ticket.window?.end;
    if (arrive) return ["arrive", arrive];
  }
  return ticket.resolve_by ? ["resolve", ticket.resolve_by] : null;
}

/** "1 h 05 min" / "12 min" from a number of minutes. */
export function duration(minutes) {
  const m = Math.abs(Math.round(minutes));
  if (m < 60) return `${m} ${t("min")}`;
  return `${Math.floor(m / 60)} ${t("h")} ${String(m % 60).padStart(2, "0")} ${t("min")}`;
}

/** The countdown text and whether it is overdue or close (under 15 minutes). */
export function countdown(iso, now = serverNow()) {
  const left = (new Date(iso) - now) / 60000;
  if (left < 0) return { text: t("late_by", { m: duration(left) }), level: "overdue" };
  return { text: duration(left), level: left < 15 ? "soon" : "ok" };
}

const DAY_MIN = 24 * 60;

/** "12月31日" / "Dec 31": the day of `iso` on the phone's calendar. */
export function day(iso) {
  return new Intl.DateTimeFormat(currentLang() === "zh" ? "zh-CN" : "en",
    { month: "short", day: "numeric" }).format(new Date(iso));
}

/**
 * The badge of a stop's next deadline: a countdown within a day, the date and time beyond;
 * an arrival inside an appointment window shows the window ("预约 12月8日 09:00–11:00"),
 * with its day unless that is today.
 */
export function badge(kind, iso, window = null, now = serverNow()) {
  const { text, level } = countdown(iso, now);
  if (kind === "arrive" && window?.start && window?.end) {
    const today = day(new Date(now).toISOString());
    const from = `${day(window.start) === today ? "" : `${day(window.start)} `}${hhmm(window.start)}`;
    const to = `${day(window.end) === day(window.start) ? "" : `${day(window.end)} `}${hhmm(window.end)}`;
    return { text: `${t("appointment")} ${from}–${to}`, level };
  }
  if ((new Date(iso) - now) / 60000 >= DAY_MIN) {
    return { text: `${t(`by_${kind}`)} ${day(iso)} ${hhmm(iso)}`, level };
  }
  return { text: `${t(`due_${kind}`)} ${text}`, level };
}
