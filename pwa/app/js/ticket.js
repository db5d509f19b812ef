// One ticket: its details and the field flow — accept, start travel, check in with GPS,
// photos, complete, resident not home. Every action goes through the outbox (queue.js).

import * as api from "./api.js";
import * as checklist from "./checklist.js";
import * as crew from "./crew.js";
import { h } from "./dom.js";
import { t, tr } from "./i18n.js";
import { shrink } from "./photo.js";
import * as queue from "./queue.js";
import { deadlineBadge, etaText, mapLinks, place } from "./route.js";
import { changed, notify, shownStatus, state } from "./state.js";
import * as store from "./store.js";

export const opened = { id: null, data: null, photos: [], error: null, notHomeOpen: false };

/** Fetch the ticket and its photos (the stored copy or the route's stop when offline). */
export async function load(id) {
  Object.assign(opened, { id, error: null, notHomeOpen: false });
  if (opened.data?.id !== id) opened.data = null;
  const synced = state.synced;
  try {
    const data = await api.getJSON(`/tickets/${id}`);
    // An action that synced while this was on its way answered with a newer ticket: keep that.
    if (synced === state.synced || !opened.data) {
      opened.data = data;
      await store.setItem(`ticket:${id}`, data);
    }
    opened.photos = await api.getJSON(`/tickets/${id}/photos`).catch(() => opened.photos);
    await checklist.load(id, data.preventive);
  } catch (err) {
    // A refusal (403, 404) is the server's word; a 5xx is a bad signal like no answer at all.
    if (err instanceof api.HttpError && err.status < 500) {
      opened.error = err.status;
      opened.data = null;
    } else {
      const stop = state.route?.stops?.find((s) => s.ticket_id === id);
      opened.data = (await store.getItem(`ticket:${id}`)) || (stop && { ...stop, id });
      await checklist.load(id, opened.data?.preventive);
    }
  }
  changed();
}

/** A synced action's answer is the ticket as the server now has it: show it and keep it, so
 *  a failed download afterwards cannot bring back the status from before the action. */
export async function adopt(ticket) {
  if (opened.id === ticket.id) opened.data = ticket;
  await store.setItem(`ticket:${ticket.id}`, ticket);
}

function position() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error("no geolocation"));
    navigator.geolocation.getCurrentPosition(resolve, reject, { enableHighAccuracy: true, timeout: 15000, maximumAge: 10000 });
  });
}

async function act(kind, path, body) {
  await queue.add({ kind, ticketId: opened.id, path: `/tickets/${opened.id}/${path}`, body });
  if (!navigator.onLine) notify(t("queued"));
}

async function checkIn(button) {
  button.disabled = true;
  try {
    const { coords } = await position();
    await act("check_in", "check-in", { lat: coords.latitude, lon: coords.longitude, accuracy_m: Math.round(coords.accuracy * 10) / 10 });
  } catch (err) {
    notify(t("no_gps", { msg: err.message || err.code }), "error");
  } finally {
    button.disabled = false;
  }
}

async function addPhoto(input, tag) {
  const file = input.files?.[0];
  input.value = "";
  if (!file) return;
  notify(t("resizing"));
  const { blob } = await shrink(file);
  await queue.add({ kind: "photo", ticketId: opened.id, path: `/tickets/${opened.id}/photos`,
    form: { fields: { tag, taken_at: new Date().toISOString() }, blob, filename: `${tag}.jpg` } });
}

// "valve DN15 x2" -> {name: "valve DN15", qty: 2}; one part a line.
function parseParts(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const m = line.match(/^(.*?)\s*[x×*]\s*(\d+)$/i);
    return m ? { name: m[1], qty: Number(m[2]) } : { name: line, qty: 1 };
  });
}

function button(label, onclick, cls = "", action = null) {
  return h("button", { type: "button", class: `btn ${cls}`, onclick, "data-action": action }, label);
}

function photoInput(tag) {
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", class: "visually-hidden",
    id: `photo-${tag}`, "data-tag": tag, onchange: (ev) => addPhoto(ev.target, tag) });
  return h("label", { class: "btn secondary photo-btn", for: `photo-${tag}` }, `${t("take_photo")} · ${t(tag)}`, input);
}

function photosSection() {
  const waiting = state.waiting.filter((a) => a.kind === "photo" && a.ticketId === opened.id);
  const thumbs = [
    ...opened.photos.map((p) => h("figure", {}, h("img", { src: api.photoUrl(p.url), alt: p.tag, loading: "lazy" }), h("figcaption", {}, t(p.tag)))),
    ...waiting.map((a) => h("figure", { class: "pending" }, h("img", { src: URL.createObjectURL(a.form.blob), alt: a.form.fields.tag }),
      h("figcaption", {}, `${t(a.form.fields.tag)} · ${t("pending_here")}`))),
  ];
  return h("section", { class: "card" },
    h("h3", {}, t("photos"), " ", h("span", { class: "muted", id: "photo-count" }, t("photo_count", { n: thumbs.length }))),
    h("div", { class: "thumbs" }, thumbs),
    h("div", { class: "row" }, photoInput("before"), photoInput("after")));
}

function completeForm(absent) {
  const draft = (state.drafts[opened.id] ??= { notes: "", parts: "", fixed: true });
  const left = checklist.unanswered();
  const form = h("form", { class: "card complete-form", id: "complete-form" },
    h("h3", {}, t("complete")),
    h("label", {}, t("notes"), h("textarea", { name: "notes", rows: 3, oninput: (e) => { draft.notes = e.target.value; } }, draft.notes)),
    h("label", {}, t("parts"), h("textarea", { name: "parts", rows: 2, oninput: (e) => { draft.parts = e.target.value; } }, draft.parts)),
    h("fieldset", { class: "choice" }, h("legend", {}, t("fixed")),
      ...[[true, "fixed_yes"], [false, "fixed_no"]].map(([value, key]) => h("label", { class: "btn choice-btn" },
        h("input", { type: "radio", name: "fixed", value: String(value), checked: draft.fixed === value,
          onchange: () => { draft.fixed = value; } }), t(key)))),
    left.length ? h("p", { class: "note warn", id: "answer-first" }, t("answer_first", { n: left.length })) : null,
    absent.length ? h("p", { class: "note warn", id: "crew-first" }, t("crew_first", { names: absent.join("、") })) : null,
    h("button", { type: "submit", class: "btn primary", id: "complete", disabled: left.length + absent.length > 0 }, t("complete")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    await act("complete", "complete", { notes: draft.notes.trim(), parts: parseParts(draft.parts), fixed: draft.fixed });
    delete state.drafts[opened.id];
    location.hash = "#/";
  });
  return form;
}

function notHome(status) {
  if (!["assigned", "accepted", "en_route", "on_site"].includes(status)) return null;
  if (!opened.notHomeOpen) return button(t("not_home"), () => { opened.notHomeOpen = true; changed(); }, "warn-outline", "not-home");
  const note = h("input", { type: "text", name: "note", placeholder: t("note") });
  return h("div", { class: "card not-home" }, h("h3", {}, t("not_home")), note,
    h("div", { class: "row" },
      button(t("cancel"), () => { opened.notHomeOpen = false; changed(); }, "secondary"),
      button(t("send"), async () => {
        await act("not_home", "not-home", note.value.trim() ? { note: note.value.trim() } : {});
        location.hash = "#/";
      }, "warn", "not-home-send")));
}

function actions(status) {
  const list = [];
  if (["new", "assigned"].includes(status)) list.push(button(t("accept"), () => act("accept", "accept", {}), "primary", "accept"));
  if (["new", "assigned", "accepted"].includes(status)) list.push(button(t("start_travel"), () => act("start", "start", {}), "", "start"));
  if (["assigned", "accepted", "en_route"].includes(status)) list.push(button(t("check_in"), (e) => checkIn(e.currentTarget), status === "en_route" ? "primary" : "", "check-in"));
  return h("div", { class: "actions" }, list);
}

function checkinNote() {
  const answer = state.checkins[opened.id];
  if (!answer) return null;
  if (answer.inside) return h("p", { class: "note ok" }, t("checked_in"));
  return h("p", { class: "note warn", role: "alert" }, t("outside", { m: Math.round(answer.distance_m) }));
}

function refused(status) {
  const text = status === 403 ? t("forbidden") : status === 404 ? t("not_found") : `HTTP ${status}`;
  return h("section", { class: "card refused", role: "alert" }, h("h2", {}, text),
    h("a", { class: "btn secondary", href: "#/" }, t("back")));
}

export function ticketView() {
  if (opened.error) return refused(opened.error);
  const tk = opened.data;
  if (!tk) return h("p", { class: "muted" }, "…");
  const me = api.session()?.technician_id;
  const status = shownStatus(opened.id, crew.ownStatus(tk, me));
  const partner = (crew.seatOf(tk, me)?.member || 1) > 1;
  const followUp = state.followUps[opened.id];
  const onRoute = state.route?.stops?.find((s) => s.ticket_id === opened.id);
  return h("section", { class: "ticket", "data-status": status },
    h("a", { class: "back", href: "#/" }, `‹ ${t("back")}`),
    h("div", { class: `card head ${tk.urgency}` },
      h("div", { class: "stop-top" },
        h("span", { class: `badge ${tk.urgency}` }, tr("urgencies", tk.urgency)),
        h("strong", { class: "cat" }, tr("categories", tk.category)),
        h("span", { class: "ticket-no" }, `#${opened.id}`)),
      h("div", { class: "addr big" }, place({ site_name: onRoute?.site_name, ...tk })),
      tk.description ? h("p", { class: "desc" }, tk.description) : null,
      tk.follows ? h("p", { class: "muted", id: "follows" }, t("follows", { id: tk.follows.ticket_id })) : null,
      h("div", { class: "stop-meta" },
        h("span", { class: `status ${status}`, id: "ticket-status" }, tr("statuses", status)),
        etaText(tk.assignment?.eta || tk.eta, status) ? h("span", {}, etaText(tk.assignment?.eta || tk.eta, status)) : null,
        deadlineBadge(tk, status)),
      mapLinks(tk.nav || onRoute?.nav)),
    crew.crewCard(tk, me, status),
    checkinNote(),
    followUp ? h("p", { class: "note ok" }, t("follow_up", { id: followUp.id })) : null,
    actions(status),
    ["accepted", "en_route", "on_site", "completed"].includes(status) ? photosSection() : null,
    ["on_site", "completed"].includes(status) ? checklist.checklistSection(status) : null,
    status === "on_site" ? completeForm(crew.notHereYet(tk, me, status)) : null,
    partner ? null : notHome(status));
}
