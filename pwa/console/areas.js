// A technician's home area, chosen by site: the sites he knows (work elsewhere costs the
// planner, or is barred when "only these" is ticked, emergencies excepted). Zones drawn as
// polygons come through the API (PUT /technicians/{id}/home-area) and are kept as they are.
import { $, api, errorText, h, t } from "./common.js";

let techs = () => [];
let sites = () => [];

const area = (form) => (techs() || []).find((x) => String(x.id) === form.technician_id.value)?.home_area;

/** Tick the chosen technician's sites (and "only these") from the console's data. */
function fill(form) {
  const mine = new Set(area(form)?.sites ?? []);
  $("area-sites").replaceChildren(...(sites() || []).map((s) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "site", value: s.id, ...(mine.has(s.id) ? { checked: "" } : {}) }), ` ${s.name}`)));
  form.strict.checked = Boolean(area(form)?.strict);
}

/** Keep the form in step with the console's technicians and sites (not while in use). */
export function setupAreas(technicians, places) {
  techs = technicians;
  sites = places;
  const form = $("area-form");
  if (!form || form.contains(document.activeElement)) return;
  const people = techs() || [];
  const sig = people.map((x) => `${x.id}:${x.name}:${JSON.stringify(x.home_area)}`).join("|") + (sites() || []).map((s) => s.id).join("|");
  if (form.dataset.sig === sig) return;
  form.dataset.sig = sig;
  const chosen = form.technician_id.value;
  form.technician_id.replaceChildren(...people.map((x) => h("option", { value: x.id }, `${x.id} · ${x.name}`)));
  if (chosen) form.technician_id.value = chosen;
  fill(form);
  if (form.dataset.ready) return;
  form.dataset.ready = "1";
  form.technician_id.addEventListener("change", () => fill(form));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const msg = form.querySelector(".msg");
    const chosenSites = [...form.querySelectorAll("input[name=site]:checked")].map((x) => x.value);
    const polygons = area(form)?.polygons ?? [];
    const url = `/api/v1/technicians/${form.technician_id.value}/home-area`;
    const res = chosenSites.length || polygons.length
      ? await api("PUT", url, { sites: chosenSites, polygons, strict: form.strict.checked })
      : await api("DELETE", url);
    msg.className = res.ok ? "msg ok" : "msg bad";
    msg.textContent = res.ok ? t("area_saved") : await errorText(res);
  });
}
