// "My route": the technician's stops in order, with urgency colour, place, ETA and countdown.

import * as api from "./api.js";
import { crewLine } from "./crew.js";
import { BEFORE_ARRIVAL, badge, nextDeadline } from "./deadlines.js";
import { h, hhmm } from "./dom.js";
import { t, tr } from "./i18n.js";
import { leaving, shownStatus, state } from "./state.js";

/** Links that open a stop in each map app the company chose (DISPATCH_NAV_LINKS). The server
 * gives each in the app's own datum: GCJ-02 for AMap, BD-09 for Baidu, WGS-84 for the rest. */
export function mapLinks(nav) {
  if (!nav?.length) return null;
  return h("div", { class: "map-links" }, ...nav.map((link) => h("a", {
    class: "btn secondary", href: link.url, "data-provider": link.provider,
    ...(link.url.startsWith("https:") ? { target: "_blank", rel: "noopener" } : {}),
  }, t(`map_${link.provider}`))));
}

export function place(stop) {
  return [stop.site_name, stop.building, stop.unit].filter(Boolean).join(" · ") || "–";
}

export function deadlineBadge(ticket, status) {
  const next = nextDeadline(ticket, status);
  if (!next) return null;
  const [kind, iso] = next;
  const window = kind === "arrive" ? ticket.window : null;
  const { text, level } = badge(kind, iso, window);
  return h("span", { class: `countdown ${level}`, "data-deadline": iso, "data-kind": kind,
    "data-window-start": window?.start ?? "", "data-window-end": window?.end ?? "" }, text);
}

/** ETA of a stop he has not reached yet ("预计到达" means nothing once he is there). */
export function etaText(eta, status) {
  return eta && BEFORE_ARRIVAL.includes(status) ? `${t("eta")} ${hhmm(eta)}` : null;
}

function stopCard(stop, index) {
  const status = shownStatus(stop.ticket_id, stop.status);
  const syncing = state.waiting.some((a) => a.ticketId === stop.ticket_id);
  return h("li", { class: `stop ${stop.urgency}`, "data-ticket": stop.ticket_id },
    h("a", { class: "stop-main", href: `#/ticket/${stop.ticket_id}` },
      h("div", { class: "stop-top" },
        h("span", { class: "seq" }, index + 1),
        h("span", { class: `badge ${stop.urgency}` }, tr("urgencies", stop.urgency)),
        h("strong", { class: "cat" }, tr("categories", stop.category)),
        h("span", { class: "ticket-no" }, `#${stop.ticket_id}`)),
      h("div", { class: "addr" }, place(stop)),
      crewLine(stop, api.session()?.technician_id),
      h("div", { class: "stop-meta" },
        etaText(stop.eta, status) ? h("span", {}, etaText(stop.eta, status)) : null,
        deadlineBadge(stop, status),
        h("span", { class: `status ${status}` }, tr("statuses", status)),
        syncing ? h("span", { class: "pending-dot" }, t("pending_here")) : null,
        stop.predicted_late_minutes > 0 ? h("span", { class: "late" }, t("late_predicted", { m: Math.round(stop.predicted_late_minutes) })) : null)),
    mapLinks(stop.nav));
}

export function routeView() {
  const stops = (state.route?.stops || []).filter((s) => !leaving(s.ticket_id));
  const updated = state.route?.computed_at ? t("last_update", { t: hhmm(state.route.computed_at) }) : "";
  return h("section", { class: "route" },
    h("div", { class: "route-head" },
      h("h2", {}, t("my_route")),
      h("span", { class: "muted" }, updated),
      h("button", { type: "button", class: "btn small secondary", id: "refresh", onclick: () => document.dispatchEvent(new Event("app:refresh")) }, t("refresh"))),
    stops.length
      ? h("ol", { class: "stops", id: "stops" }, stops.map(stopCard))
      : h("p", { class: "empty", id: "stops" }, t("no_stops")));
}
