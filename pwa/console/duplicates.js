// Duplicate reports in the ticket list: a ticket the server proposes as the same fault as an
// open one shows the reason with "merge" and "not the same"; the ticket others repeat offers
// to merge them all at once (twenty reports of one power cut, one job).
import { api, errorText, h, t } from "./common.js";

async function act(ev, path, body, refresh) {
  ev.stopPropagation(); // the row's own click picks the ticket for the pin form
  const button = ev.currentTarget;
  button.disabled = true;
  const res = await api("POST", path, body);
  if (!res.ok) {
    button.disabled = false;
    button.classList.add("bad");
    button.title = await errorText(res);
    return;
  }
  refresh();
}

/** What the status cell shows of `tk`'s duplicates; `tickets` are the open ones listed. */
export function duplicateNote(tk, tickets, refresh) {
  const parts = [];
  if (tk.duplicate_candidate != null) {
    const of = tk.duplicate_candidate;
    parts.push(h("div", { class: "dup" },
      h("span", { class: "dup-badge" }, t("dup_of", { id: of })),
      h("div", { class: "muted dup-why" }, tk.duplicate_reason || ""),
      h("button", { type: "button", class: "small", "data-action": "merge",
        onclick: (ev) => act(ev, `/tickets/${tk.id}/merge`, { into: of }, refresh) }, t("merge")),
      h("button", { type: "button", class: "small", "data-action": "not-duplicate",
        onclick: (ev) => act(ev, `/tickets/${tk.id}/not-duplicate`, undefined, refresh) }, t("not_duplicate"))));
  }
  const repeats = tickets.filter((o) => o.duplicate_candidate === tk.id).length;
  if (repeats) {
    parts.push(h("button", { type: "button", class: "small", "data-action": "merge-proposed",
      onclick: (ev) => act(ev, `/tickets/${tk.id}/merge-proposed`, undefined, refresh) }, t("merge_all", { n: repeats })));
  }
  return parts;
}
