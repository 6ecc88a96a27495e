// The API token field in the top bar. With auth on, a user pastes their bearer token once: it is kept
// in this browser (localStorage, never in the page) and api_client.js sends it on every API call.

import { TOKEN_STORAGE_KEY } from "./api_client.js";

function element(tag, props = {}) {
  return Object.assign(document.createElement(tag), props);
}

function tokenField() {
  const form = element("form", { className: "token-field" });
  form.setAttribute("aria-label", "API token");
  const label = element("label", { htmlFor: "api-token", textContent: "Token" });
  const input = element("input", {
    id: "api-token",
    type: "password",
    name: "api_token",
    autocomplete: "off",
    placeholder: "bearer token (auth on)",
    size: 18,
  });
  const save = element("button", { type: "submit", textContent: "Save" });
  const clear = element("button", { type: "button", textContent: "Clear" });
  const status = element("span", { className: "token-status" });
  status.setAttribute("aria-live", "polite");

  function show(note) {
    const stored = window.localStorage.getItem(TOKEN_STORAGE_KEY);
    status.textContent = note || (stored ? "token set" : "no token");
    clear.hidden = !stored;
    input.value = "";
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    window.localStorage.setItem(TOKEN_STORAGE_KEY, token);
    show("token saved; reload to retry");
  });
  clear.addEventListener("click", () => {
    window.localStorage.removeItem(TOKEN_STORAGE_KEY);
    show("token cleared");
  });
  form.append(label, input, save, clear, status);
  show();
  return form;
}

const topbar = document.querySelector(".topbar");
if (topbar) topbar.append(tokenField());
