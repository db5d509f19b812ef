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
  synced: 0, // answers of synced actions taken in: a download sent before the last is older
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

const OPEN = ["new", "assigned", "accepted", "en_route", "on_site"];
// What a stop shares with the ticket that an action's answer carries.
const STOP_FIELDS = ["status", "accepted_at", "en_route_at", "on_site_at", "not_home_count"];

/** A synced action's answer in the route: the stop takes the ticket's status, or leaves when
 *  the ticket is no longer this technician's open work (completed, back to the desk). */
export async function adoptIntoRoute(ticket, technicianId) {
  if (!state.route?.stops.some((s) => s.ticket_id === ticket.id)) return;
  // A crew partner's place is his own: his status and arrival, not the ticket's.
  const seat = ticket.crew?.find((m) => m.technician_id === technicianId && m.member > 1);
  const stays = OPEN.includes(ticket.status) && (seat || ticket.assignment?.technician_id === technicianId);
  const moved = { ...Object.fromEntries(STOP_FIELDS.map((k) => [k, ticket[k]])), crew: ticket.crew,
    ...(seat ? { status: seat.status, on_site_at: seat.on_site_at } : {}) };
  const stops = state.route.stops.flatMap((s) => (s.ticket_id !== ticket.id ? [s] : stays ? [{ ...s, ...moved }] : []));
  state.route = { ...state.route, stops };
  await keepRoute(state.route);
}

// Both stored copies: ours, and the service worker's, which it answers with when the network
// fails; left older than a synced action, it would bring the old status back.
async function keepRoute(route) {
  await store.setItem("route", route);
  const cache = await globalThis.caches?.open("route").catch(() => null);
  await cache?.put("/api/v1/me/route", new Response(JSON.stringify(route), { headers: { "Content-Type": "application/json" } }));
}

export async function loadSavedRoute() {
  state.route = (await store.getItem("route")) || null;
  state.routeFresh = false;
}
