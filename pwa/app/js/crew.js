// Crew tickets (a fire alarm confirmed by two): each member sees his partners and how far
// they are, acts on his own place, and may complete only when the whole crew is on site.

import { h, hhmm } from "./dom.js";
import { t, tr } from "./i18n.js";

/** His place on a crew ticket (`ticket.crew`), or null for one-person work. */
export function seatOf(ticket, technicianId) {
  return ticket?.crew?.find((m) => m.technician_id === technicianId) || null;
}

/** The status his buttons follow: his own place's on a crew he joins as a partner. */
export function ownStatus(ticket, technicianId) {
  const seat = seatOf(ticket, technicianId);
  return seat && seat.member > 1 ? seat.status : ticket.status;
}

/** The partners not on site yet, by name, counting him as there when `status` says so. */
export function notHereYet(ticket, technicianId, status) {
  return (ticket?.crew || [])
    .filter((m) => (m.technician_id === technicianId ? status : m.status) !== "on_site")
    .map((m) => (m.technician_id === technicianId ? t("me") : m.name || t("unfilled")));
}

function seatLine(m, technicianId, status) {
  const mine = m.technician_id === technicianId;
  const shown = mine ? status : m.status;
  const when = shown === "on_site" && m.on_site_at ? t("arrived_at", { t: hhmm(m.on_site_at) })
    : m.eta && !["new", "on_site"].includes(shown) ? `${t("eta")} ${hhmm(m.eta)}` : "";
  return h("li", { class: `seat ${shown}${mine ? " mine" : ""}`, "data-member": m.member },
    h("strong", {}, mine ? t("me") : m.name || t("unfilled")),
    h("span", { class: "muted" }, tr("skills", m.skill)),
    h("span", { class: `status ${shown}` }, tr("statuses", shown)),
    when ? h("span", {}, when) : null);
}

/** The crew card on a ticket's page: every member, his partners' progress. */
export function crewCard(ticket, technicianId, status) {
  if (!ticket?.crew?.length) return null;
  return h("section", { class: "card crew", id: "crew" },
    h("h3", {}, t("crew_of", { n: ticket.crew.length })),
    h("ul", { class: "seats" }, ticket.crew.map((m) => seatLine(m, technicianId, status))));
}

/** A route stop's line naming his partners. */
export function crewLine(stop, technicianId) {
  const others = (stop.crew || []).filter((m) => m.technician_id !== technicianId);
  if (!others.length) return null;
  return h("div", { class: "crew-line" }, `${t("crew_of", { n: stop.crew.length })} · ${t("partner")} `,
    others.map((m) => m.name || t("unfilled")).join("、"));
}
