// What the app knows now, shared by the views; `changed()` asks main.js to redraw.

import * as store from "./store.js";

export const state = {
  me: null, // the login answer: username, role, technician_id
  technician: null, // GET /technicians/{id}: on_shift and position
  route: null, // GET /me/route (or the last one stored, when offline)
  routeFresh: false, // false while showing the stored copy
  waiting: [], // actions in the outbox, oldest first
  live: false, // the event stream is open
  notices: [], // {id, text, kind: "ok" | "warn" | "error"}
  drafts: {}, // ticket id -> the completion form as typed
  checkins: {}, // ticket id -> the server's check-in answer
  followUps: {}, // ticket id -> the follow-up ticket a completion created
};

export const changed = () => document.dispatchEvent(new Event("app:changed"));

let noticeId = 0;
/** Show a message; errors stay until dismissed, the rest fade after a few seconds. */
export function notify(text, kind = "ok") {
  const id = ++noticeId;
  state.notices = [...state.notices, { id, text, kind }];
  if (kind !== "error") setTimeout(() => dismiss(id), 6000);
  changed();
}

export function dismiss(id) {
  state.notices = state.notices.filter((n) => n.id !== id);
  changed();
}

// What each queued action makes of a ticket's status before the server confirms it.
const AFTER = { accept: "accepted", start: "en_route", check_in: "on_site", complete: "completed", not_home: "new" };

/** The status to show: the server's, moved on by the actions still waiting to sync. */
export function shownStatus(ticketId, status) {
  for (const a of state.waiting) if (a.ticketId === ticketId && AFTER[a.kind]) status = AFTER[a.kind];
  return status;
}

/** True when a waiting action takes the ticket off this technician's route. */
export const leaving = (ticketId) => state.waiting.some((a) => a.ticketId === ticketId && (a.kind === "complete" || a.kind === "not_home"));

export async function saveRoute(route) {
  state.route = route;
  state.routeFresh = true;
  await store.setItem("route", route);
}

export async function loadSavedRoute() {
  state.route = (await store.getItem("route")) || null;
  state.routeFresh = false;
}
