// An inspection round's checklist on the ticket page: each item answered on site (a check:
// normal / abnormal; a reading: its value against the normal range), with its photo when the
// item asks for one. Answers go through the outbox like every action, so a round can be done
// in a basement without signal; an out-of-range reading is flagged at once, before syncing.

import * as api from "./api.js";
import { h } from "./dom.js";
import { currentLang, t } from "./i18n.js";
import { shrink } from "./photo.js";
import * as queue from "./queue.js";
import { changed, notify, state } from "./state.js";
import * as store from "./store.js";

export const round = { id: null, data: null };
const drafts = {}; // "ticket:key" -> { ok, value, note, blob }
const editing = new Set(); // "ticket:key" of answered items being answered again

/** Fetch the round of a preventive ticket (the stored copy when offline). */
export async function load(id, preventive) {
  if (round.id !== id) Object.assign(round, { id, data: null });
  if (!preventive) return;
  try {
    round.data = await api.getJSON(`/tickets/${id}/inspection`);
    await store.setItem(`inspection:${id}`, round.data);
  } catch {
    round.data = (await store.getItem(`inspection:${id}`)) || round.data;
  }
  changed();
}

/** A synced answer is the round as the server now has it; say what it raised. */
export async function applied(action, answer) {
  if (!answer?.items) return;
  const before = round.id === action.ticketId ? round.data?.faults || [] : [];
  if (round.id === action.ticketId) round.data = answer;
  await store.setItem(`inspection:${action.ticketId}`, answer);
  const raised = answer.faults.filter((f) => !before.includes(f));
  notify(raised.length ? t("fault_raised", { ids: raised.map((f) => `#${f}`).join(" ") }) : t("answer_saved"),
    raised.length ? "warn" : "ok");
  changed();
}

const label = (item) => item.labels?.[currentLang() === "zh" ? "zh-CN" : "en"] || item.label;
const unit = (item) => (item.unit ? ` ${item.unit}` : "");
const waitingFor = (key) => state.waiting.find((a) => a.kind === "inspection" && a.ticketId === round.id && a.item === key);

function range(item) {
  if (item.min != null && item.max != null) return `${item.min}–${item.max}${unit(item)}`;
  return item.min != null ? `≥ ${item.min}${unit(item)}` : `≤ ${item.max}${unit(item)}`;
}

function outOfRange(item, value) {
  return (item.min != null && value < item.min) || (item.max != null && value > item.max);
}

/** Keys of items with neither a server answer nor one waiting to sync. */
export function unanswered() {
  return (round.data?.items || []).filter((i) => !i.answer && !waitingFor(i.key)).map((i) => i.key);
}

async function save(item, draft) {
  const fields = { key: item.key, note: draft.note || "", at: new Date().toISOString() };
  if (item.kind === "check") fields.ok = String(draft.ok);
  else fields.value = String(draft.value);
  await queue.add({ kind: "inspection", item: item.key, ticketId: round.id, path: `/tickets/${round.id}/inspection`,
    form: { fields, blob: draft.blob || null, filename: `${item.key}.jpg` } });
  delete drafts[`${round.id}:${item.key}`];
  editing.delete(`${round.id}:${item.key}`);
  if (!navigator.onLine) notify(t("queued"));
}

function shown(item) {
  const waiting = waitingFor(item.key);
  const given = waiting ? { ok: waiting.form.fields.ok === undefined ? null : waiting.form.fields.ok === "true",
    value: waiting.form.fields.value === undefined ? null : Number(waiting.form.fields.value) } : item.answer;
  if (!given) return null;
  const bad = item.kind === "check" ? given.ok === false : outOfRange(item, given.value);
  const text = item.kind === "check" ? t(given.ok ? "normal" : "abnormal") : `${given.value}${unit(item)}`;
  return h("p", { class: `answer ${bad ? "bad" : "good"}`, "data-answer": item.key },
    text, bad && item.kind === "reading" ? ` · ${t("out_of_range")}` : "", waiting ? ` · ${t("pending_here")}` : "",
    item.answer?.raised_ticket_id ? ` · ${t("repair_ticket", { id: item.answer.raised_ticket_id })}` : "");
}

function editor(item) {
  const draft = (drafts[`${round.id}:${item.key}`] ??= { ok: null, value: "", note: "", blob: null });
  const ready = () => (item.kind === "check" ? draft.ok !== null : draft.value !== "" && Number.isFinite(Number(draft.value)))
    && (!item.photo || draft.blob || item.answer?.photo_id);
  const submit = h("button", { type: "button", class: "btn primary", "data-save": item.key, disabled: !ready(),
    onclick: () => save(item, draft) }, t("save_answer"));
  const refresh = () => { submit.disabled = !ready(); };
  const warn = h("p", { class: "note warn", hidden: true }, t("out_of_range_will_raise"));
  const input = item.kind === "check"
    ? h("div", { class: "row" }, ...[[true, "normal"], [false, "abnormal"]].map(([v, key]) => h("label", { class: "btn choice-btn" },
      h("input", { type: "radio", name: `ok-${item.key}`, value: String(v), checked: draft.ok === v,
        onchange: () => { draft.ok = v; refresh(); } }), t(key))))
    : h("label", {}, `${t("reading")} (${t("normal_range")} ${range(item)})`,
      h("input", { type: "number", step: "any", inputmode: "decimal", name: `value-${item.key}`, value: draft.value,
        oninput: (e) => { draft.value = e.target.value; warn.hidden = !(draft.value !== "" && outOfRange(item, Number(draft.value))); refresh(); } }));
  const photo = h("input", { type: "file", accept: "image/*", capture: "environment", class: "visually-hidden",
    id: `photo-item-${item.key}`, onchange: async (e) => {
      const file = e.target.files?.[0];
      if (!file) return;
      draft.blob = (await shrink(file)).blob;
      photoLabel.textContent = `${t("take_photo")} ✓`;
      refresh();
    } });
  const photoLabel = h("span", {}, draft.blob ? `${t("take_photo")} ✓` : `${t("take_photo")}${item.photo ? ` (${t("required")})` : ""}`);
  return h("div", { class: "item-editor" }, input, warn,
    h("input", { type: "text", name: `note-${item.key}`, placeholder: t("note"), value: draft.note,
      oninput: (e) => { draft.note = e.target.value; } }),
    h("div", { class: "row" }, h("label", { class: "btn secondary photo-btn", for: `photo-item-${item.key}` }, photoLabel, photo), submit));
}

/** The round's section, or null for a ticket without a checklist. */
export function checklistSection(status) {
  const items = round.data?.items || [];
  if (!items.length) return null;
  const left = unanswered().length;
  return h("section", { class: "card checklist", id: "checklist" },
    h("h3", {}, t("checklist"), " ", h("span", { class: "muted", id: "checklist-left" },
      left ? t("items_left", { n: left }) : t("all_answered"))),
    h("ol", {}, items.map((item) => h("li", { "data-item": item.key },
      h("strong", {}, label(item)), item.kind === "reading" ? h("span", { class: "muted" }, ` ${t("normal_range")} ${range(item)}`) : null,
      shown(item), status === "on_site" && !waitingFor(item.key) ? answering(item) : null))));
}

function answering(item) {
  const id = `${round.id}:${item.key}`;
  if (!item.answer || editing.has(id)) return editor(item);
  return h("button", { type: "button", class: "btn secondary small", "data-change": item.key,
    onclick: () => { editing.add(id); changed(); } }, t("change_answer"));
}
