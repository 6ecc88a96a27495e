// Pieces both jobs pages draw: state badge, progress bar and counts, and the load-error notices.

import { TERMINAL_STATES } from "./api_shapes.js";
import { el, setChildren } from "./dom.js";
import { formatCount } from "./format.js";

// How often the jobs pages ask again while a job is active.
export const POLL_MS = 1000;

function isJobsDisabled(err) {
  return err.code === "jobs_disabled";
}

export function stateBadge(state) {
  return el("span", { class: `state state-${state}` }, state);
}

export function progressBar(job) {
  const share = job.total > 0 ? Math.min(1, job.processed / job.total) : TERMINAL_STATES.has(job.state) ? 1 : 0;
  return el(
    "div",
    { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(share * 100) },
    el("span", { style: `width:${(share * 100).toFixed(1)}%` }),
  );
}

export function progressText(job) {
  return job.total > 0 ? `${formatCount(job.processed)} / ${formatCount(job.total)}` : "–";
}

// Jobs disabled (a server setting) and an unknown job (404) are different situations for the user.
export function renderLoadError(container, err) {
  if (isJobsDisabled(err)) {
    setChildren(
      container,
      el(
        "div",
        { class: "notice notice-disabled" },
        el("strong", {}, "Async jobs are disabled on this server."),
        el("p", {}, err.message),
        el("p", {}, el("a", { href: "/backtests" }, "Run a sync search instead")),
      ),
    );
  } else if (err.status === 404) {
    setChildren(
      container,
      el(
        "div",
        { class: "notice notice-missing" },
        el("strong", {}, "Job not found."),
        el("p", {}, "It does not exist or belongs to another user."),
        el("p", {}, el("a", { href: "/backtests/jobs" }, "Back to your jobs")),
      ),
    );
  } else {
    setChildren(container, el("div", { class: "notice notice-error" }, el("strong", {}, "Could not load: "), err.message));
  }
}
