// What makes a search reproducible on the sync page: the last result survives a reload, a job's
// request can be cloned into the form (/backtests?clone=JOB_ID), and the request goes to and comes
// from YAML/JSON files; the ranked result downloads as CSV.

import { getJson } from "./api_client.js";
import { showBanner } from "./field_errors.js";
import { downloadText, parseRequestText, rankedRowsToCsv, requestToText } from "./request_io.js";

const LAST_RESULT_KEY = "trading.lastSyncResult";

export function saveLastResult(request, response) {
  try {
    window.localStorage.setItem(LAST_RESULT_KEY, JSON.stringify({ request, response }));
  } catch {
    // A result too big for the browser's storage is simply not kept; the search itself succeeded.
  }
}

function lastResult() {
  try {
    const saved = JSON.parse(window.localStorage.getItem(LAST_RESULT_KEY) || "null");
    return saved && saved.request && saved.response ? saved : null;
  } catch {
    return null;
  }
}

// A clone link fills the form with that job's full request; otherwise the last sync result (and its
// request) come back as they were before the reload.
export async function restoreSearch(searchForm, showResult) {
  const cloneId = new URLSearchParams(window.location.search).get("clone");
  const status = document.getElementById("request-file-status");
  if (cloneId) {
    try {
      const job = await getJson(`/api/backtests/jobs/${encodeURIComponent(cloneId)}`);
      searchForm.fill(job.request);
      status.textContent = `Cloned from job ${cloneId.slice(0, 8)}: edit and run or submit.`;
    } catch (err) {
      showBanner(`Cannot clone job ${cloneId}: ${err.message}`);
    }
    return;
  }
  const saved = lastResult();
  if (!saved) return;
  searchForm.fill(saved.request);
  showResult(saved.request, saved.response);
}

export function installRequestFiles(searchForm, getRunState) {
  const status = document.getElementById("request-file-status");
  const input = document.getElementById("import-request");
  const exportAs = (format) => {
    downloadText(`request.${format}`, requestToText(searchForm.request(), format), format === "json" ? "application/json" : "application/yaml");
  };
  document.getElementById("export-yaml").addEventListener("click", () => exportAs("yaml"));
  document.getElementById("export-json").addEventListener("click", () => exportAs("json"));
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    try {
      searchForm.fill(parseRequestText(await file.text(), file.name));
      status.textContent = `Loaded ${file.name}.`;
      status.classList.remove("error-text");
    } catch (err) {
      status.textContent = err.message;
      status.classList.add("error-text");
    } finally {
      input.value = "";
    }
  });
  document.getElementById("download-csv").addEventListener("click", () => {
    const state = getRunState();
    if (state) downloadText("ranked.csv", rankedRowsToCsv(state.response.variants), "text/csv");
  });
}
