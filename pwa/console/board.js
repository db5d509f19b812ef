// The board: one lane per technician with his stops on a time axis, and a lane of unassigned
// tickets. Dragging a ticket onto a lane (HTML5 drag and drop) asks for a reason in a small
// dialog, then pins it (end of the lane), moves it (dropped before another stop) or holds it
// (dropped on the unassigned lane) through /api/v1/overrides.

import { $, api, errorText, h, hhmm, REASONS, t, tr } from "./common.js";

const MIN = 60000;
let view = null; // what the last render drew: {t0, t1, lanes}
let pending = null; // the drop waiting for its reason: {ticketId, technicianId, position, kind}
let onChanged = () => {};

const pct = (iso) => Math.max(0, Math.min(100, ((new Date(iso) - view.t0) / (view.t1 - view.t0)) * 100));

function axis(t0, t1, ref) {
  const step = (t1 - t0) / MIN > 360 ? 120 : 60;
  const ticks = [];
  const first = Math.ceil(t0 / (step * MIN)) * step * MIN;
  for (let x = first; x <= t1; x += step * MIN) ticks.push(x);
  return h("div", { class: "lane axis" }, h("div", { class: "lane-name" }),
    h("div", { class: "track" }, ticks.map((x) => h("span", { class: "tick", style: `left:${((x - t0) / (t1 - t0)) * 100}%` },
      hhmm(new Date(x).toISOString(), ref))),
    h("span", { class: "now", style: `left:${((ref - t0) / (t1 - t0)) * 100}%` })));
}

function block(ticket, stop, { sla, pinned, ref }) {
  const left = stop ? pct(stop.start) : 0;
  const width = stop ? Math.max(1.5, pct(stop.end) - left) : null;
  // A crew partner's block moves with its ticket: the ticket is pinned or moved by its first member.
  const partner = stop?.member > 1;
  return h("div", {
    class: `block ${ticket?.urgency ?? ""} sla-${sla} ${stop?.in_progress ? "in-progress" : ""} ${pinned ? "pinned" : ""} ${partner ? "partner" : ""}`,
    draggable: stop?.in_progress || partner ? "false" : "true", "data-ticket": stop?.ticket_id ?? ticket?.id,
    "data-member": stop?.member ?? 1,
    style: stop ? `left:${left}%;width:${width}%` : null,
    title: ticket ? `#${ticket.id} ${tr("urgencies", ticket.urgency)} · ${tr("categories", ticket.category)} · ${[ticket.building, ticket.unit].filter(Boolean).join(" ")}${stop ? ` · ${t("eta")} ${hhmm(stop.eta, ref)}` : ""}` : null,
  }, `#${stop?.ticket_id ?? ticket?.id}${ticket?.crew_size > 1 ? ` ×${ticket.crew_size}` : ""}`);
}

/** Draw the board from the console's data (plan, tickets, technicians, overrides, SLA states). */
export function renderBoard(data, slaOf) {
  const ref = new Date(data.plan?.computed_at || Date.now()).getTime();
  const ends = (data.plan?.routes || []).flatMap((r) => r.stops.map((st) => new Date(st.end).getTime()));
  const t0 = ref - 30 * MIN;
  const t1 = Math.min(Math.max(ref + 4 * 60 * MIN, ...ends) + 15 * MIN, ref + 24 * 60 * MIN);
  view = { t0, t1 };
  const tickets = new Map(data.tickets.map((x) => [x.id, x]));
  const routes = new Map((data.plan?.routes || []).map((r) => [r.technician_id, r]));
  // A pin is for one place of a crew (member 1: the ticket's own technician).
  const pins = new Set(data.overrides.filter((o) => o.kind !== "hold" && o.ticket_id != null).map((o) => `${o.ticket_id}#${o.member ?? 1}`));
  const holds = new Set(data.overrides.filter((o) => o.kind === "hold").map((o) => o.ticket_id));
  const lanes = data.technicians.map((tech) => {
    const stops = routes.get(tech.id)?.stops || [];
    return h("div", { class: `lane drop ${tech.on_shift ? "" : "off"}`, "data-technician": tech.id },
      h("div", { class: "lane-name" }, h("strong", {}, tech.name), h("span", { class: `state ${tech.state}` }, tr("states", tech.state))),
      h("div", { class: "track" }, stops.map((st) => block(tickets.get(st.ticket_id), st, { sla: slaOf(st.ticket_id), pinned: pins.has(`${st.ticket_id}#${st.member ?? 1}`), ref }))));
  });
  const waiting = [...new Set([...(data.plan?.unassigned || []).map((u) => u.ticket_id), ...holds])]
    .map((id) => tickets.get(id)).filter(Boolean);
  const unassigned = h("div", { class: "lane drop unassigned-lane", "data-technician": "" },
    h("div", { class: "lane-name" }, h("strong", {}, t("unassigned")), h("span", { class: "muted" }, t("drop_here"))),
    h("div", { class: "track flow" }, waiting.map((tk) => h("span", { class: "hold-wrap" },
      block(tk, null, { sla: slaOf(tk.id), pinned: false, ref }), holds.has(tk.id) ? h("em", {}, t("on_hold")) : null))));
  $("board").replaceChildren(axis(t0, t1, ref), ...lanes, unassigned);
}

// Where in the lane's route a drop at clientX lands: the count of waiting stops starting before.
function positionAt(lane, clientX, ticketId) {
  const track = lane.querySelector(".track").getBoundingClientRect();
  const at = view.t0 + ((clientX - track.left) / track.width) * (view.t1 - view.t0);
  const blocks = [...lane.querySelectorAll(".block[draggable=true]")].filter((b) => Number(b.dataset.ticket) !== ticketId);
  return { position: blocks.filter((b) => b.getBoundingClientRect().left < clientX).length, of: blocks.length, at };
}

function ask(drop) {
  pending = drop;
  const name = drop.technicianName;
  $("reason-title").textContent = t("move_title", { id: drop.ticketId });
  $("reason-what").textContent = drop.kind === "hold" ? t("hold_it")
    : drop.kind === "move" ? t("move_to", { name, pos: drop.position + 1 }) : t("pin_to", { name });
  $("reason-select").replaceChildren(...REASONS.map((r) => h("option", { value: r }, tr("reasons", r))));
  $("reason-select").value = "other";
  $("reason-msg").textContent = "";
  $("reason-dialog").showModal();
}

async function confirm() {
  const drop = pending;
  const reason = $("reason-select").value;
  const [path, body] = drop.kind === "hold" ? ["/overrides/hold", { ticket_id: drop.ticketId, reason }]
    : drop.kind === "move" ? ["/overrides/move", { ticket_id: drop.ticketId, technician_id: drop.technicianId, position: drop.position, reason }]
      : ["/overrides", { ticket_id: drop.ticketId, technician_id: drop.technicianId, reason }];
  const res = await api("POST", path, body);
  if (!res.ok) {
    $("reason-msg").textContent = await errorText(res);
    return;
  }
  const effect = await res.json();
  $("reason-dialog").close();
  pending = null;
  onChanged(effect.warnings || [], drop);
}

/** Wire drag and drop on the board and the reason dialog; `changed(warnings)` after each. */
export function initBoard(changed, techName) {
  onChanged = changed;
  const board = $("board");
  board.addEventListener("dragstart", (ev) => {
    const b = ev.target.closest?.(".block[draggable=true]");
    if (!b) return;
    ev.dataTransfer.setData("text/plain", b.dataset.ticket);
    ev.dataTransfer.effectAllowed = "move";
    b.classList.add("dragging");
  });
  board.addEventListener("dragend", (ev) => ev.target.classList?.remove("dragging"));
  board.addEventListener("dragover", (ev) => {
    const lane = ev.target.closest?.(".lane.drop");
    if (!lane) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    for (const l of board.querySelectorAll(".over")) if (l !== lane) l.classList.remove("over");
    lane.classList.add("over");
  });
  board.addEventListener("dragleave", (ev) => ev.target.classList?.remove("over"));
  board.addEventListener("drop", (ev) => {
    const lane = ev.target.closest?.(".lane.drop");
    if (!lane) return;
    ev.preventDefault();
    lane.classList.remove("over");
    const ticketId = Number(ev.dataTransfer.getData("text/plain"));
    if (!ticketId) return;
    if (!lane.dataset.technician) return ask({ ticketId, kind: "hold" });
    const technicianId = Number(lane.dataset.technician);
    const { position, of } = positionAt(lane, ev.clientX, ticketId);
    ask({ ticketId, technicianId, technicianName: techName(technicianId), position, kind: position < of ? "move" : "pin" });
  });
  $("reason-ok").addEventListener("click", (ev) => { ev.preventDefault(); confirm(); });
  $("reason-cancel").addEventListener("click", () => { pending = null; $("reason-dialog").close(); });
}
