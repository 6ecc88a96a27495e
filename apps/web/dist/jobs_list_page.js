// /backtests/jobs: the caller's jobs, newest first, paged with the API's keyset cursor.

import { getJson } from "./api_client.js";
import { TERMINAL_STATES, readJobPage } from "./api_shapes.js";
import { el, setChildren } from "./dom.js";
import { formatDateTime } from "./format.js";
import { POLL_MS, progressBar, progressText, renderLoadError, stateBadge } from "./job_widgets.js";

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

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

export function startListPage() {
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
