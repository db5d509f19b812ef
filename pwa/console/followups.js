// The front desk's follow-ups (回访): completed repairs whose resident has not answered yet,
// earliest due first. The desk records the answer given on the phone, or issues the resident's
// one-time link to send by SMS.
import { $, api, errorText, getJSON, h, hhmm, t } from "./common.js";

let pending = [];

export async function loadFollowups() {
  try {
    pending = await getJSON("/api/v1/followups?state=pending");
  } catch { /* keep the last list; the console shows the connection state */ }
  renderFollowups();
}

export function renderFollowups() {
  const list = $("followups");
  if (!list || list.contains(document.activeElement)) return; // not while the desk is typing
  list.replaceChildren(...(pending.length ? pending.map(row)
    : [h("li", { class: "muted" }, t("no_followups"))]));
}

function row(f) {
  const rating = h("select", { name: "rating", "aria-label": t("rating") },
    ...[5, 4, 3, 2, 1].map((n) => h("option", { value: String(n) }, `${n} ★`)));
  const fixed = h("select", { name: "fixed", "aria-label": t("fixed_q") },
    h("option", { value: "true" }, t("fixed_yes")), h("option", { value: "false" }, t("fixed_no")));
  const msg = h("div", { class: "msg", role: "status" });
  const record = async () => {
    const res = await api("POST", `/api/v1/tickets/${f.ticket_id}/followup`, {
      rating: Number(rating.value), fixed: fixed.value === "true",
      by: localStorage.getItem("console.user") || "front-desk" });
    if (!res.ok) return void (msg.textContent = await errorText(res));
    document.activeElement?.blur(); // the answered row may now leave the list
    loadFollowups();
  };
  const link = async () => {
    const res = await api("POST", `/api/v1/tickets/${f.ticket_id}/followup/link`);
    msg.textContent = res.ok ? `${location.origin}${(await res.json()).url}` : await errorText(res);
  };
  return h("li", { class: `alert followup${f.overdue ? " overdue" : ""}`, "data-followup": f.ticket_id },
    h("div", {}, h("strong", {}, `#${f.ticket_id}`), ` ${t("followup_due")} ${hhmm(f.due_at)}`,
      f.overdue ? h("span", { class: "late" }, ` ${t("overdue")}`) : ""),
    h("div", { class: "buttons" }, rating, fixed,
      h("button", { type: "button", class: "small", onclick: record }, t("record_phone")),
      h("button", { type: "button", class: "small plain", onclick: link }, t("send_link"))),
    msg);
}
