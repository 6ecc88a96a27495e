// /backtests/jobs (list) and /backtests/jobs/{id} (details: live progress, cancel, top table with
// lazy reports). Polling runs only while the job is not terminal.

import { getJson, postJson } from "./api_client.js";
import { TERMINAL_STATES, readJob, readJobPage, readRuntimeDefaults } from "./api_shapes.js";
import { el, setChildren } from "./dom.js";
import { formatCount, formatDateTime, metricLabel } from "./format.js";
import { RankedTable } from "./ranked_table.js";
import { createReportOpener } from "./variant_report.js";

const POLL_MS = 1000;
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
const TOP_LIMIT = 100;

function isJobsDisabled(err) {
  return err.code === "jobs_disabled";
}

function stateBadge(state) {
  return el("span", { class: `state state-${state}` }, state);
}

function progressBar(job) {
  const share = job.total > 0 ? Math.min(1, job.processed / job.total) : TERMINAL_STATES.has(job.state) ? 1 : 0;
  return el(
    "div",
    { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(share * 100) },
    el("span", { style: `width:${(share * 100).toFixed(1)}%` }),
  );
}

function progressText(job) {
  return job.total > 0 ? `${formatCount(job.processed)} / ${formatCount(job.total)}` : "–";
}

// Jobs disabled (a server setting) and an unknown job (404) are different situations for the user.
function renderLoadError(container, err) {
  if (isJobsDisabled(err)) {
    setChildren(container, el("div", { class: "notice notice-disabled" }, el("strong", {}, "Async jobs are disabled on this server."), el("p", {}, err.message), el("p", {}, el("a", { href: "/backtests" }, "Run a sync search instead"))));
  } else if (err.status === 404) {
    setChildren(container, el("div", { class: "notice notice-missing" }, el("strong", {}, "Job not found."), el("p", {}, "It does not exist or belongs to another user."), el("p", {}, el("a", { href: "/backtests/jobs" }, "Back to your jobs"))));
  } else {
    setChildren(container, el("div", { class: "notice notice-error" }, el("strong", {}, "Could not load: "), err.message));
  }
}

// ---- list page -------------------------------------------------------------------------------

function jobsTable(jobs) {
  if (!jobs.length) return el("p", { class: "muted" }, "No jobs yet. Submit one from the search page.");
  return el(
    "div",
    { class: "table-scroll" },
    el(
      "table",
      { class: "data-table jobs-table" },
      el("thead", {}, el("tr", {}, ["Job", "State", "Stage", "Progress", "Created"].map((title) => el("th", { scope: "col" }, title)))),
      el("tbody", {}, jobs.map((job) =>
        el("tr", { dataset: { jobId: job.id } },
          el("td", {}, el("a", { href: `/backtests/jobs/${encodeURIComponent(job.id)}` }, el("code", {}, String(job.id).slice(0, 8)))),
          el("td", {}, stateBadge(job.state)),
          el("td", {}, job.stage || "–"),
          el("td", { class: "progress-cell" }, progressBar(job), el("span", { class: "muted" }, progressText(job))),
          el("td", {}, formatDateTime(job.createdAt))))),
    ),
  );
}

// `/backtests/jobs?limit=50` shows bigger pages; the API caps the size at 100.
function pageSize() {
  const asked = Number.parseInt(new URLSearchParams(window.location.search).get("limit") || "", 10);
  return Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
}

function startListPage() {
  const container = document.getElementById("jobs-table");
  const newer = document.getElementById("jobs-newer");
  const older = document.getElementById("jobs-older");
  const cursors = [null]; // cursors[i] opens page i; keyset pagination only goes forward, so keep the trail
  let pageIndex = 0;
  let nextCursor = null;
  let refreshTimer = null;

  // While a listed job is still active, the page refreshes itself so its progress moves.
  const load = async () => {
    clearTimeout(refreshTimer);
    const cursor = cursors[pageIndex];
    const query = new URLSearchParams({ limit: String(pageSize()) });
    if (cursor) query.set("cursor", cursor);
    try {
      const page = readJobPage(await getJson(`/api/backtests/jobs?${query}`));
      nextCursor = page.nextCursor;
      setChildren(container, jobsTable(page.jobs));
      if (page.jobs.some((job) => !TERMINAL_STATES.has(job.state))) refreshTimer = setTimeout(load, POLL_MS * 2);
    } catch (err) {
      nextCursor = null;
      renderLoadError(container, err);
    }
    newer.disabled = pageIndex === 0;
    older.disabled = !nextCursor;
  };
  older.addEventListener("click", () => {
    cursors[pageIndex + 1] = nextCursor;
    pageIndex += 1;
    load();
  });
  newer.addEventListener("click", () => {
    pageIndex = Math.max(0, pageIndex - 1);
    load();
  });
  load();
}

// ---- details page ----------------------------------------------------------------------------

// A job stored without ranking uses the server defaults; the table must still know which metric ranks.
function effectiveRanking(job, defaults) {
  const requested = job.summary.ranking || {};
  if (requested.primary_metric) return { primary_metric: requested.primary_metric, secondary_metric: requested.secondary_metric ?? null };
  return { primary_metric: defaults.primaryMetric, secondary_metric: defaults.secondaryMetric };
}

function describeRanking(ranking) {
  return `${metricLabel(ranking.primary_metric)}${ranking.secondary_metric ? `, then ${metricLabel(ranking.secondary_metric)}` : ""}`;
}

function jobStatus(job, ranking) {
  const context = job.runContext || {};
  const range = context.time_range ? `${formatDateTime(context.time_range.start)} – ${formatDateTime(context.time_range.end)}` : null;
  const facts = [
    ["Instrument", context.instrument_id],
    ["Timeframe", context.timeframe],
    ["Range", range],
    ["Indicators", (job.summary.indicator_ids || []).join(", ")],
    ["Ranking", describeRanking(ranking)],
    ["Created", job.createdAt && formatDateTime(job.createdAt)],
    ["Started", job.startedAt && formatDateTime(job.startedAt)],
    ["Finished", job.finishedAt && formatDateTime(job.finishedAt)],
  ].filter(([, value]) => value);
  const cancelling = job.cancelRequestedAt && !TERMINAL_STATES.has(job.state);
  return [
    el("div", { class: "job-state-line" }, stateBadge(job.state), el("span", { class: "job-stage" }, job.stage ? `stage: ${job.stage}` : ""), cancelling ? el("span", { class: "muted" }, "cancel requested…") : null),
    progressBar(job),
    el("p", { class: "muted progress-text" }, progressText(job)),
    job.error ? el("p", { class: "error-text" }, `${job.error.code ? `${job.error.code}: ` : ""}${job.error.message || JSON.stringify(job.error)}`) : null,
    el("dl", { class: "facts" }, facts.map(([label, value]) => [el("dt", {}, label), el("dd", {}, value)])),
  ];
}

function startDetailsPage() {
  const root = document.getElementById("job");
  const jobId = root.dataset.jobId;
  const base = `/api/backtests/jobs/${encodeURIComponent(jobId)}`;
  const status = document.getElementById("job-status");
  const cancelButton = document.getElementById("cancel-job");
  const topSection = document.getElementById("job-top");
  const topSummary = document.getElementById("job-top-summary");
  let job = null;
  let defaults = null;

  const openReport = createReportOpener({
    panel: document.getElementById("report"),
    getRunContext: () => job.runContext,
  });
  const table = new RankedTable(document.getElementById("job-top-table"), openReport);

  const refreshTop = async (ranking) => {
    const top = await getJson(`${base}/top?limit=${TOP_LIMIT}`);
    table.setRows(top.rows, ranking);
    topSection.hidden = !top.rows.length;
    topSummary.textContent = `${top.rows.length} variants (${TERMINAL_STATES.has(top.state) ? "final" : "live snapshot"})`;
  };

  const poll = async () => {
    try {
      defaults ||= readRuntimeDefaults(await getJson("/api/backtests/runtime-defaults"));
      job = readJob(await getJson(base));
    } catch (err) {
      renderLoadError(status, err);
      cancelButton.hidden = true;
      return;
    }
    const terminal = TERMINAL_STATES.has(job.state);
    const ranking = effectiveRanking(job, defaults);
    setChildren(status, jobStatus(job, ranking));
    cancelButton.hidden = terminal;
    cancelButton.disabled = Boolean(job.cancelRequestedAt);
    try {
      await refreshTop(ranking);
    } catch (err) {
      topSummary.textContent = `Top table unavailable: ${err.message}`;
    }
    if (!terminal) setTimeout(poll, POLL_MS);
  };

  cancelButton.addEventListener("click", async () => {
    cancelButton.disabled = true;
    try {
      await postJson(`${base}/cancel`);
    } catch (err) {
      cancelButton.disabled = false;
      renderLoadError(status, err);
    }
  });
  poll();
}

if (document.body.dataset.page === "job-details") startDetailsPage();
else startListPage();
