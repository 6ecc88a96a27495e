// Pieces both jobs pages draw: state badge, progress bar and counts, and the load-error notices.

import { TERMINAL_STATES } from "./api_shapes.js";
import { el, setChildren } from "./dom.js";
import { formatCount, toDate } from "./format.js";

// How often the jobs pages ask again while a job is active.
export const POLL_MS = 1000;

function isJobsDisabled(err) {
  return err.code === "jobs_disabled";
}

export function stateBadge(state) {
  return el("span", { class: `state state-${state}` }, state);
}

// One bar for the whole search (the server weighs the stages), so it never jumps back between them.
export function progressBar(job) {
  const share = TERMINAL_STATES.has(job.state) && job.state === "succeeded" ? 1 : Math.min(1, job.overall || 0);
  return el(
    "div",
    { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(share * 100) },
    el("span", { style: `width:${(share * 100).toFixed(1)}%` }),
  );
}

export function formatSeconds(seconds) {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  return hours ? `${hours}h ${String(minutes).padStart(2, "0")}m` : minutes ? `${minutes}m ${String(secs).padStart(2, "0")}s` : `${secs}s`;
}

// "Stage B: scoring the risk grid · 63% · 1m 05s elapsed · about 38s left".
export function progressText(job, nowMs = Date.now()) {
  const parts = [job.stageWords || job.state];
  const started = toDate(job.startedAt);
  const ended = toDate(job.finishedAt);
  if (!TERMINAL_STATES.has(job.state)) parts.push(`${Math.floor((job.overall || 0) * 100)}%`);
  if (started) {
    const elapsed = ((ended ? ended.getTime() : nowMs) - started.getTime()) / 1000;
    parts.push(`${formatSeconds(elapsed)} elapsed`);
    if (!TERMINAL_STATES.has(job.state) && job.overall > 0) parts.push(`about ${formatSeconds((elapsed * (1 - job.overall)) / job.overall)} left`);
  }
  if (job.total > 0 && !TERMINAL_STATES.has(job.state)) parts.push(`${formatCount(job.processed)} / ${formatCount(job.total)} in this stage`);
  return parts.join(" · ");
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
