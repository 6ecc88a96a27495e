// Shows what a search will cost before it runs: Stage A / Stage B variant counts and the memory
// estimate against the configured budget, plus any guard the request would trip.

import { el, setChildren } from "./dom.js";
import { formatBytes, formatCount } from "./format.js";

function stat(label, value, extra) {
  return el(
    "div",
    { class: "stat" },
    el("span", { class: "stat-label" }, label),
    el("span", { class: "stat-value" }, value),
    extra ? el("span", { class: "stat-extra" }, extra) : null,
  );
}

// Target bars, plus what the warmup got and what the store could not supply.
function barsNote(bars) {
  const notes = [`warmup ${formatCount(bars.warmup)}`];
  if (bars.warmup_unavailable) notes.push(`${formatCount(bars.warmup_unavailable)} warmup unavailable`);
  if (bars.target_unavailable) notes.push(`${formatCount(bars.target_unavailable)} target unavailable`);
  if (bars.filled) notes.push(`${formatCount(bars.filled)} filled gaps`);
  return notes.join(" · ");
}

export function renderPreflight(container, preflight) {
  const used = preflight.estimated_memory_bytes;
  const budget = preflight.max_compute_bytes_total;
  const share = budget > 0 ? Math.min(1, used / budget) : 0;
  const stageA = preflight.stage_a_variants_total;
  const shortlist = Math.min(preflight.preselect, stageA);
  const problems = preflight.problems || [];
  const risk = formatCount(preflight.risk_variants_total);
  const dataNotes = preflight.data_notes || [];
  setChildren(
    container,
    el(
      "div",
      { class: "stats" },
      stat("Stage A variants", formatCount(stageA), `limit ${formatCount(preflight.max_variants_per_compute)}`),
      stat("Risk variants", risk),
      stat("Stage B variants", formatCount(preflight.stage_b_variants_total), `${formatCount(shortlist)} shortlisted × ${risk}`),
      stat("Top K", formatCount(preflight.top_k)),
      stat("Bars", formatCount(preflight.bars.target), barsNote(preflight.bars)),
      stat("Memory estimate", formatBytes(used), `of ${formatBytes(budget)} budget`),
    ),
    el(
      "div",
      { class: `meter ${preflight.fits ? "" : "over"}`, role: "meter", "aria-label": "Memory estimate vs budget",
        "aria-valuemin": 0, "aria-valuemax": budget, "aria-valuenow": used },
      el("span", { style: `width:${(share * 100).toFixed(1)}%` }),
    ),
    (preflight.cross_pairs || []).map((pairs) =>
      el("p", { class: "hint cross-pairs" }, `${pairs.summary}${pairs.constraints.length ? ` (${pairs.constraints.join("; ")})` : ""}`),
    ),
    dataNotes.length
      ? el("div", { class: "banner banner-warn", role: "status" }, dataNotes.map((note) => el("p", {}, note)))
      : null,
    preflight.fits
      ? el("p", { class: "ok-text" }, "Fits the limits.")
      : el("p", { class: "error-text" }, "Over the limits: the server will refuse this search."),
    problems.length ? el("ul", { class: "error-text" }, problems.map((problem) => el("li", {}, problem.message || problem.code))) : null,
  );
}

export function renderPreflightMessage(container, message, isError = false) {
  setChildren(container, el("span", { class: isError ? "error-text" : "muted" }, message));
}
