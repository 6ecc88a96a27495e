// /backtests: the sync search page. Live preflight while editing, a ranked result table (no reports
// until asked), lazy per-row reports, and "Submit as job" for searches too big to wait for.

import { ApiError, getJson, isAbort, postJson } from "./api_client.js";
import { createCompareView } from "./compare_view.js";
import { showRejections } from "./constraints_editor.js";
import { readIndicators, readInstruments, readRuntimeDefaults } from "./api_shapes.js";
import { clearFieldErrors, hideBanner, revealFirstError, showApiError, showBanner } from "./field_errors.js";
import { describeRanking, formatCount } from "./format.js";
import { heatmapExtension } from "./heatmap_view.js";
import { renderPreflight, renderPreflightMessage } from "./preflight_panel.js";
import { RankedTable } from "./ranked_table.js";
import { SearchForm, runContextOf } from "./search_form.js";
import { installRequestFiles, restoreSearch, saveLastResult } from "./search_persistence.js";
import { VariantReportCache, createReportOpener } from "./variant_report.js";
import { renderValidation } from "./walk_forward_view.js";

const PREFLIGHT_DELAY_MS = 350;

const page = {
  form: document.getElementById("search-form"),
  preflight: document.getElementById("preflight-body"),
  runButton: document.getElementById("run-search"),
  stopButton: document.getElementById("stop-search"),
  jobButton: document.getElementById("submit-job"),
  status: document.getElementById("run-status"),
  results: document.getElementById("results"),
  resultsSummary: document.getElementById("results-summary"),
  report: document.getElementById("report"),
  compare: document.getElementById("compare"),
  validation: document.getElementById("validation"),
  metrics: [], // the ranking metrics of runtime-defaults (ids, labels, units)
  bannerOwner: null, // which action's error the banner shows: "preflight" | "run" | "job"
  runState: null, // {request, response} of the search shown in the table
};

// Debounced; only the newest answer is shown (older requests are aborted), and an unchanged request
// (e.g. a blur's change event) is not checked again, so it cannot wipe a failed run's errors.
function livePreflight(searchForm) {
  let timer = null;
  let inflight = null;
  let checkedBody = null;
  const run = async () => {
    const body = JSON.stringify(searchForm.request());
    if (body === checkedBody) return;
    checkedBody = body;
    inflight?.abort();
    inflight = new AbortController();
    try {
      const preflight = await postJson("/api/backtests/preflight", JSON.parse(body), { signal: inflight.signal });
      clearFieldErrors(page.form);
      if (page.bannerOwner === "preflight") hideBanner();
      renderPreflight(page.preflight, preflight);
    } catch (err) {
      if (isAbort(err)) return;
      if (showApiError(page.form, err)) page.bannerOwner = "preflight";
      renderPreflightMessage(page.preflight, err.message, true);
    }
  };
  return () => {
    clearTimeout(timer);
    timer = setTimeout(run, PREFLIGHT_DELAY_MS);
  };
}

function summaryText(response) {
  const seconds = response.timings.total_seconds;
  const time = typeof seconds === "number" ? ` · ${seconds.toFixed(2)} s` : "";
  const counts = `Stage A ${formatCount(response.stage_a_variants_total)} · Stage B ${formatCount(response.stage_b_variants_total)}`;
  return `${counts} · ranked by ${describeRanking(response.ranking)}${time}`;
}

function startClock() {
  const started = performance.now();
  const tick = () => {
    page.status.textContent = `Running… ${((performance.now() - started) / 1000).toFixed(1)} s`;
  };
  tick();
  const timer = setInterval(tick, 100);
  return () => clearInterval(timer);
}

function showResult(table, request, response) {
  page.runState = { request, response };
  table.setRows(response.variants, response.ranking);
  renderValidation(page.validation, response.validation);
  page.resultsSummary.textContent = summaryText(response);
  showRejections(page.results, response.constraint_rejections, page.metrics);
  page.results.hidden = false;
  page.status.textContent = `${response.variants.length} variants`;
}

function createSearchRunner(searchForm, table) {
  let controller = null;
  const setRunning = (running) => {
    page.runButton.disabled = running;
    page.jobButton.disabled = running;
    page.stopButton.hidden = !running;
  };
  page.stopButton.addEventListener("click", () => controller?.abort());
  return async () => {
    controller?.abort();
    controller = new AbortController();
    const request = searchForm.request();
    const stopClock = startClock();
    setRunning(true);
    try {
      const response = await postJson("/api/backtests", request, { signal: controller.signal });
      clearFieldErrors(page.form);
      hideBanner();
      showResult(table, request, response);
      saveLastResult(request, response);
    } catch (err) {
      page.status.textContent = isAbort(err) ? "Stopped." : `Failed: ${err.message}`;
      if (!isAbort(err)) {
        if (showApiError(page.form, err)) page.bannerOwner = "run";
        revealFirstError(page.form);
      }
    } finally {
      stopClock();
      setRunning(false);
    }
  };
}

async function submitAsJob(searchForm) {
  page.jobButton.disabled = true;
  try {
    const created = await postJson("/api/backtests/jobs", searchForm.request());
    window.location.assign(`/backtests/jobs/${encodeURIComponent(created.job_id)}`);
  } catch (err) {
    if (showApiError(page.form, err)) page.bannerOwner = "job";
    revealFirstError(page.form);
    page.jobButton.disabled = false;
  }
}

async function loadMetadata() {
  const [instruments, indicators, defaults] = await Promise.all([
    getJson("/api/instruments"),
    getJson("/api/indicators"),
    getJson("/api/backtests/runtime-defaults"),
  ]);
  return { instruments: readInstruments(instruments), indicators: readIndicators(indicators), defaults: readRuntimeDefaults(defaults) };
}

async function main() {
  let metadata;
  try {
    metadata = await loadMetadata();
  } catch (err) {
    showBanner(`Cannot load the form: ${err instanceof ApiError ? err.message : err}`);
    return;
  }
  page.metrics = metadata.defaults.allowedMetrics;
  const searchForm = new SearchForm(page.form, metadata);
  const cache = new VariantReportCache();
  const getRunContext = () => runContextOf(page.runState.request);
  const openReport = createReportOpener({
    panel: page.report,
    getRunContext,
    getTopTradesN: () => page.runState.request.top_trades_n ?? null,
    cache,
    extend: heatmapExtension(() => page.runState.request, () => page.runState.response.ranking.primary_metric),
  });
  const onSelect = createCompareView({ panel: page.compare, button: document.getElementById("compare-rows"), cache, getRunContext });
  const table = new RankedTable(document.getElementById("results-table"), openReport, onSelect);
  const runSearch = createSearchRunner(searchForm, table);
  const schedulePreflight = livePreflight(searchForm);

  page.form.addEventListener("input", schedulePreflight);
  page.form.addEventListener("change", schedulePreflight);
  page.form.addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch();
  });
  // The ranking is the server's: a different metric means a new search, never a client re-sort.
  for (const select of [searchForm.controls.primary, searchForm.controls.secondary]) {
    select.addEventListener("change", () => {
      if (page.runState) runSearch();
    });
  }
  page.jobButton.addEventListener("click", () => submitAsJob(searchForm));
  if (!metadata.defaults.jobsEnabled) {
    page.jobButton.disabled = true;
    page.jobButton.title = "Async jobs are disabled on this server";
  }
  installRequestFiles(searchForm, () => page.runState);
  await restoreSearch(searchForm, (request, response) => showResult(table, request, response));
  schedulePreflight();
}

main();
