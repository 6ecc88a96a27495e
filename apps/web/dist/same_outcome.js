// "× N same outcome" under a ranked row whose variants all had one bit-identical outcome (e.g. stops
// that never trigger). The members' differing parameters open on demand; the server lists the first
// few by variant key and counts all of them.

import { el } from "./dom.js";

function formatParam(value) {
  if (value === null || value === undefined) return "off";
  return typeof value === "number" ? String(Number(value.toPrecision(6))) : String(value);
}

function describeMember(member) {
  const params = Object.entries(member.params || {}).map(([name, value]) => `${name} ${formatParam(value)}`);
  return params.length ? params.join(", ") : member.variant_key.slice(0, 12);
}

// Null for rows of a search that did not collapse, and for outcomes only one variant had.
export function sameOutcomeNote(row) {
  const group = row.same_outcome;
  if (!group || group.count < 2) return null;
  const members = group.members || [];
  const more = group.count - members.length;
  return el(
    "details",
    { class: "same-outcome", dataset: { count: group.count } },
    el("summary", {}, `× ${group.count.toLocaleString("en-US")} same outcome`),
    el("ul", {}, members.map((member) => el("li", { dataset: { variantKey: member.variant_key } }, describeMember(member)))),
    more > 0 ? el("p", { class: "hint" }, `and ${more.toLocaleString("en-US")} more`) : null,
  );
}
