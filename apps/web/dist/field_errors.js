// Puts API error details next to the form field they name (`body.indicators[0].params.window` ->
// the element with data-field-path="indicators.0.params.window"); anything no field claims goes to the
// page banner, so no error is ever silently dropped.

import { el, setChildren } from "./dom.js";

export function canonicalPath(path) {
  return String(path || "")
    .replace(/\[(\w+)\]/g, ".$1")
    .split(".")
    .filter((part, index) => part !== "" && !(index === 0 && part === "body"))
    .join(".");
}

function findField(root, path) {
  const parts = canonicalPath(path).split(".");
  // The longest prefix that names a field wins: a bad range step lands on its axis editor.
  for (let length = parts.length; length > 0; length -= 1) {
    const candidate = parts.slice(0, length).join(".");
    const field = root.querySelector(`[data-field-path="${CSS.escape(candidate)}"]`);
    if (field) return field;
  }
  return null;
}

function banner() {
  return document.getElementById("banner");
}

export function showBanner(message, lines = [], kind = "error") {
  const node = banner();
  node.className = `banner banner-${kind}`;
  setChildren(node, el("strong", {}, message), lines.length ? el("ul", {}, lines.map((line) => el("li", {}, line))) : null);
  node.hidden = false;
}

export function hideBanner() {
  banner().hidden = true;
}

export function clearFieldErrors(root) {
  for (const node of root.querySelectorAll(".field-error")) node.remove();
  for (const node of root.querySelectorAll(".has-error")) node.classList.remove("has-error");
}

function attachFieldError(field, message) {
  field.classList.add("has-error");
  field.append(el("div", { class: "field-error", role: "alert" }, message));
}

// Returns whether the banner is showing (some detail found no field, or there were no details).
export function showApiError(root, error) {
  clearFieldErrors(root);
  const unplaced = [];
  let placed = 0;
  for (const detail of error.details || []) {
    const field = findField(root, detail.path);
    if (field) {
      attachFieldError(field, detail.message || detail.code);
      placed += 1;
    } else {
      unplaced.push(detail.path ? `${canonicalPath(detail.path)}: ${detail.message}` : detail.message);
    }
  }
  const needsBanner = unplaced.length > 0 || placed === 0;
  if (needsBanner) showBanner(error.message || error.code, unplaced);
  else hideBanner();
  return needsBanner;
}

// After an action fails, bring its first error into view (the banner sits at the top of the page).
export function revealFirstError(root) {
  const target = root.querySelector(".has-error") || (banner().hidden ? null : banner());
  target?.scrollIntoView({ block: "center" });
}
