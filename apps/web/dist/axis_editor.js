// Editor for one grid axis: an explicit list of values or an inclusive range (start, stop, step),
// and for risk axes also "off". It reads back the request's axis spec and shows how many values it has.

import { el, option } from "./dom.js";

const DISABLED_TOKENS = new Set(["off", "none", "null", "-"]);

function numberOrRaw(text) {
  const number = Number(text);
  // Anything unparsable goes to the server as typed, so its error lands next to this axis.
  return text !== "" && Number.isFinite(number) ? number : text;
}

function parseToken(token, kind) {
  if (kind === "risk" && DISABLED_TOKENS.has(token.toLowerCase())) return null;
  return kind === "choice" ? token : numberOrRaw(token);
}

function formatAxisValue(value) {
  return value === null ? "off" : String(value);
}

export function rangeCount(start, stop, step) {
  if (![start, stop, step].every(Number.isFinite) || step <= 0 || stop < start) return 0;
  return Math.floor((stop - start) / step + 1e-9) + 1;
}

function normalizeInitial(initial) {
  if (initial === null || initial === undefined) return { mode: "off" };
  if (typeof initial !== "object") return { mode: "explicit", values: [initial] };
  if (Array.isArray(initial)) return { mode: "explicit", values: initial };
  return initial;
}

export function createAxisEditor({ path, name, kind, hint, initial, allowOff = false }) {
  const start = normalizeInitial(initial);
  const mode = el(
    "select",
    { class: "axis-mode", "aria-label": `${name} axis mode` },
    option("explicit", "list", start.mode === "explicit"),
    kind === "choice" ? null : option("range", "range", start.mode === "range"),
    allowOff ? option("off", "off", start.mode === "off") : null,
  );
  const values = el("input", {
    class: "axis-values",
    type: "text",
    "aria-label": `${name} values`,
    placeholder: kind === "risk" ? "e.g. 1, 2, off" : "comma separated",
    value: start.mode === "explicit" ? start.values.map(formatAxisValue).join(", ") : "",
  });
  const numberInput = (label, value) =>
    el("input", { type: "number", step: "any", "aria-label": `${name} ${label}`, placeholder: label, value: value ?? "" });
  const rangeStart = numberInput("start", start.mode === "range" ? start.start : "");
  const rangeStop = numberInput("stop", start.mode === "range" ? start.stop_incl : "");
  const rangeStep = numberInput("step", start.mode === "range" ? start.step : "");
  const rangeBox = el("div", { class: "axis-range" }, rangeStart, el("span", {}, "…"), rangeStop, el("span", {}, "step"), rangeStep);
  const count = el("span", { class: "axis-count" });

  const readAxis = () => {
    if (mode.value === "off") return null;
    if (mode.value === "range") {
      return { mode: "range", start: Number(rangeStart.value), stop_incl: Number(rangeStop.value), step: Number(rangeStep.value) };
    }
    const tokens = values.value.split(/[\s,;]+/).filter(Boolean);
    // An empty list leaves the axis out of the request: the server's default grid applies.
    return tokens.length ? { mode: "explicit", values: tokens.map((token) => parseToken(token, kind)) } : undefined;
  };

  const refresh = () => {
    values.hidden = mode.value !== "explicit";
    rangeBox.hidden = mode.value !== "range";
    const axis = readAxis();
    if (axis === null || axis === undefined) {
      count.textContent = axis === null ? "disabled" : "default";
      return;
    }
    const n = axis.mode === "range" ? rangeCount(axis.start, axis.stop_incl, axis.step) : axis.values.length;
    count.textContent = `${n} value${n === 1 ? "" : "s"}`;
  };

  const element = el(
    "div",
    { class: "axis", dataset: { fieldPath: path }, oninput: refresh, onchange: refresh },
    el(
      "div",
      { class: "axis-head" },
      el("div", { class: "axis-title" }, el("span", { class: "axis-name" }, name), hint ? el("span", { class: "axis-hint" }, hint) : null),
      mode,
      count,
    ),
    values,
    rangeBox,
  );
  refresh();
  return { element, read: readAxis };
}
