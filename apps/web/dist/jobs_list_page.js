// /backtests/jobs: the caller's jobs, newest first, paged with the API's keyset cursor.

import { getJson } from "./api_client.js";
import { TERMINAL_STATES, readJobPage, readRuntimeDefaults } from "./api_shapes.js";
import { el, option, setChildren } from "./dom.js";
import { describeRanking, formatDateTime, formatNumber, metricLabel } from "./format.js";
import { POLL_MS, progressBar, progressText, renderLoadError, stateBadge } from "./job_widgets.js";

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

const STATES = ["queued", "running", "succeeded", "failed", "cancelled"];

export function formatAge(ms, nowMs = Date.now()) {
  const minutes = Math.floor((nowMs - ms) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} d ago`;
}

function rankingOf(job, defaults) {
  const ranking = job.summary.ranking || {};
  return ranking.primary_metric ? ranking : { primary_metric: defaults.primaryMetric, secondary_metric: defaults.secondaryMetric };
}

// The best row so far is the job's rank 1 (its top snapshot moves while it runs); terminal jobs are
// asked once.
const bestRows = new Map();

async function bestRow(job) {
  if (job.state === "queued") return null;
  if (bestRows.has(job.id)) return bestRows.get(job.id);
  const top = await getJson(`/api/backtests/jobs/${encodeURIComponent(job.id)}/top?limit=1`).catch(() => ({ rows: [] }));
  const row = top.rows[0] || null;
  if (TERMINAL_STATES.has(job.state)) bestRows.set(job.id, row);
  return row;
}

function bestText(row, ranking) {
  if (!row) return "–";
  const metric = ranking.primary_metric;
  return `${metricLabel(metric)} ${formatNumber(row.ranking_metrics[metric])}`;
}

function jobsTable(jobs, bests, defaults) {
  if (!jobs.length) return el("p", { class: "muted" }, "No jobs here. Submit one from the search page.");
  const titles = ["Job", "State", "Instrument", "Timeframe", "Indicators", "Ranking", "Best so far", "Progress", "Age"];
  return el(
    "div",
    { class: "table-scroll" },
    el(
      "table",
      { class: "data-table jobs-table" },
      el("thead", {}, el("tr", {}, titles.map((title) => el("th", { scope: "col" }, title)))),
      el("tbody", {}, jobs.map((job, i) => {
        const ranking = rankingOf(job, defaults);
        const context = job.runContext || {};
        return el("tr", { dataset: { jobId: job.id } },
          el("td", {}, el("a", { href: `/backtests/jobs/${encodeURIComponent(job.id)}` }, el("code", {}, String(job.id).slice(0, 8)))),
          el("td", {}, stateBadge(job.state)),
          el("td", {}, context.instrument_id || "–"),
          el("td", {}, context.timeframe || "–"),
          el("td", {}, (job.summary.indicator_ids || []).join(", ")),
          el("td", {}, describeRanking(ranking)),
          el("td", { class: "num best" }, bestText(bests[i], ranking)),
          el("td", { class: "progress-cell" }, progressBar(job), el("span", { class: "muted" }, progressText(job))),
          el("td", { title: formatDateTime(job.createdAt) }, formatAge(Date.parse(job.createdAt))));
      })),
    ),
  );
}

// `/backtests/jobs?limit=50` shows bigger pages; the API caps the size at 100.
function pageSize() {
  const asked = Number.parseInt(new URLSearchParams(window.location.search).get("limit") || "", 10);
  return Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
}

export function startListPage() {
  const container = document.getElementById("jobs-table");
  const stateFilter = document.getElementById("jobs-state");
  setChildren(stateFilter, option("", "all states"), STATES.map((state) => option(state, state)));
  let defaults = null;
  const newer = document.getElementById("jobs-newer");
  const older = document.getElementById("jobs-older");
  const cursors = [null]; // cursors[i] opens page i; keyset pagination only goes forward, so keep the trail
  let pageIndex = 0;
  let nextCursor = null;
  let refreshTimer = null;
  let latestLoad = 0; // a slower, older answer (e.g. before a filter change) must not overwrite a newer one

  // While a listed job is still active, the page refreshes itself so its progress moves.
  const load = async () => {
    clearTimeout(refreshTimer);
    const ticket = ++latestLoad;
    const cursor = cursors[pageIndex];
    const query = new URLSearchParams({ limit: String(pageSize()) });
    if (cursor) query.set("cursor", cursor);
    if (stateFilter.value) query.set("state", stateFilter.value);
    try {
      // The list first: its answer (e.g. a 401 without a token) is what the page must show.
      const page = readJobPage(await getJson(`/api/backtests/jobs?${query}`));
      defaults ||= readRuntimeDefaults(await getJson("/api/backtests/runtime-defaults"));
      const bests = await Promise.all(page.jobs.map(bestRow));
      if (ticket !== latestLoad) return;
      nextCursor = page.nextCursor;
      setChildren(container, jobsTable(page.jobs, bests, defaults));
      if (page.jobs.some((job) => !TERMINAL_STATES.has(job.state))) refreshTimer = setTimeout(load, POLL_MS * 2);
    } catch (err) {
      if (ticket !== latestLoad) return;
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
  // A new filter starts again from the newest page.
  stateFilter.addEventListener("change", () => {
    cursors.length = 1;
    pageIndex = 0;
    load();
  });
  newer.addEventListener("click", () => {
    pageIndex = Math.max(0, pageIndex - 1);
    load();
  });
  load();
}
