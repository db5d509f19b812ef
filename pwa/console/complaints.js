// The service desk's complaints (投诉): open ones first, each with its topic's three deadlines
// (red when passed); the desk acknowledges, writes the explanation the resident reads, and
// closes it with the outcome.
import { $, api, errorText, getJSON, h, hhmm, t, tr } from "./common.js";

let open = [];

export async function loadComplaints() {
  try {
    open = (await getJSON("/api/v1/complaints")).filter((c) => c.state !== "closed");
  } catch { /* keep the last list */ }
  renderComplaints();
}

export function renderComplaints() {
  const list = $("complaints");
  if (!list || list.contains(document.activeElement)) return; // not while the desk is typing
  list.replaceChildren(...(open.length ? open.map(row) : [h("li", { class: "muted" }, t("no_complaints"))]));
}

const STEP = { open: "acknowledge", acknowledged: "explain", explained: "close" };

function row(c) {
  const step = STEP[c.state];
  const text = h("input", { type: "text", name: "text", placeholder: t(step === "close" ? "outcome" : "explanation"),
    "aria-label": t(step === "close" ? "outcome" : "explanation") });
  const msg = h("div", { class: "msg", role: "status" });
  const act = async () => {
    const res = await api("POST", `/api/v1/complaints/${c.id}/${step}`, {
      by: localStorage.getItem("console.user") || "desk", text: text.value.trim() });
    if (!res.ok) return void (msg.textContent = await errorText(res));
    document.activeElement?.blur();
    loadComplaints();
  };
  const due = (name, at) => h("span", { class: c.overdue.includes(name) ? "late" : "muted" }, ` ${t(`c_${name}`)} ${hhmm(at)}`);
  return h("li", { class: `alert complaint${c.overdue.length ? " overdue" : ""}`, "data-complaint": c.id },
    h("div", {}, h("strong", {}, `${tr("topics", c.topic)} · ${c.building} ${c.unit}`), ` ${tr("complaint_states", c.state)}`),
    h("div", { class: "alert-msg" }, c.text),
    c.explanation ? h("div", { class: "muted" }, `${t("explanation")}: ${c.explanation}`) : null,
    h("div", {}, c.acknowledged_at ? null : due("acknowledge", c.acknowledge_by),
      c.explained_at ? null : due("explain", c.explain_by), due("close", c.close_by)),
    h("div", { class: "buttons" }, step === "acknowledge" ? null : text,
      h("button", { type: "button", class: "small", "data-step": step, onclick: act }, t(`c_do_${step}`))),
    msg);
}
