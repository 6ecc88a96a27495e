// /backtests/jobs/{id}: live state and progress (polled until terminal), cancel, and the top table
// with the same lazy, cached variant reports as the sync page.

import { getJson, postJson } from "./api_client.js";
import { TERMINAL_STATES, readJob, readRuntimeDefaults } from "./api_shapes.js";
import { describeConstraint, showRejections } from "./constraints_editor.js";
import { el, setChildren } from "./dom.js";
import { describeRanking, formatDateTime } from "./format.js";
import { POLL_MS, progressBar, progressText, renderLoadError, stateBadge } from "./job_widgets.js";
import { RankedTable } from "./ranked_table.js";
import { downloadText, requestToText } from "./request_io.js";
import { heatmapExtension } from "./heatmap_view.js";
import { createReportOpener } from "./variant_report.js";
import { renderValidation } from "./walk_forward_view.js";

const TOP_LIMIT = 100;

// A job stored without ranking uses the server defaults; the table must still know which metric ranks.
function effectiveRanking(job, defaults) {
  const requested = job.summary.ranking || {};
  if (requested.primary_metric) return { primary_metric: requested.primary_metric, secondary_metric: requested.secondary_metric ?? null };
  return { primary_metric: defaults.primaryMetric, secondary_metric: defaults.secondaryMetric };
}

function describeJobError(error) {
  const code = error.code ? `${error.code}: ` : "";
  return `${code}${error.message || JSON.stringify(error)}`;
}

function jobStatus(job, ranking, metrics) {
  const context = job.runContext || {};
  const range = context.time_range ? `${formatDateTime(context.time_range.start)} – ${formatDateTime(context.time_range.end)}` : null;
  const facts = [
    ["Instrument", context.instrument_id],
    ["Timeframe", context.timeframe],
    ["Range", range],
    ["Indicators", (job.summary.indicator_ids || []).join(", ")],
    ["Ranking", describeRanking(ranking)],
    ["Constraints", (job.summary.constraints || []).map((c) => describeConstraint(c, metrics)).join(", ")],
    ["Created", job.createdAt && formatDateTime(job.createdAt)],
    ["Started", job.startedAt && formatDateTime(job.startedAt)],
    ["Finished", job.finishedAt && formatDateTime(job.finishedAt)],
  ].filter(([, value]) => value);
  const cancelling = job.cancelRequestedAt && !TERMINAL_STATES.has(job.state);
  return [
    el(
      "div",
      { class: "job-state-line" },
      stateBadge(job.state),
      el("span", { class: "job-stage" }, job.stageWords),
      cancelling ? el("span", { class: "muted" }, "cancel requested…") : null,
    ),
    progressBar(job),
    el("p", { class: "muted progress-text" }, progressText(job)),
    job.error ? el("p", { class: "error-text" }, describeJobError(job.error)) : null,
    el("dl", { class: "facts" }, facts.map(([label, value]) => [el("dt", {}, label), el("dd", {}, value)])),
  ];
}

// The full request as stored (grid, risk, execution, ranking, ...): shown, cloned into the search
// form, or saved as the file `trading backtest run` / `trading jobs submit` read.
function renderRequest(container, job) {
  if (!job.request || container.dataset.jobId === job.id) return;
  container.dataset.jobId = job.id;
  const text = requestToText(job.request, "yaml");
  setChildren(
    container,
    el("div", { class: "card-head" },
      el("h2", {}, "Request"),
      el("div", { class: "inline-controls" },
        el("a", { class: "button secondary small", id: "clone-job", href: `/backtests?clone=${encodeURIComponent(job.id)}` }, "Clone"),
        el("button", { type: "button", class: "secondary small", id: "export-job-request",
          onclick: () => downloadText(`job-${String(job.id).slice(0, 8)}.yaml`, text, "application/yaml") }, "Export YAML"))),
    el("pre", { class: "request-yaml", "data-testid": "job-request" }, text),
  );
  container.hidden = false;
}

export function startDetailsPage() {
  const root = document.getElementById("job");
  const jobId = root.dataset.jobId;
  const base = `/api/backtests/jobs/${encodeURIComponent(jobId)}`;
  const status = document.getElementById("job-status");
  const cancelButton = document.getElementById("cancel-job");
  const topSection = document.getElementById("job-top");
  const topSummary = document.getElementById("job-top-summary");
  const requestPanel = document.getElementById("job-request");
  const validationPanel = document.getElementById("job-validation");
  let job = null;
  let defaults = null;

  const openReport = createReportOpener({
    panel: document.getElementById("report"),
    getRunContext: () => job.runContext,
    extend: heatmapExtension(() => job.request, () => effectiveRanking(job, defaults).primary_metric),
  });
  const table = new RankedTable(document.getElementById("job-top-table"), openReport);

  const refreshTop = async (ranking) => {
    const top = await getJson(`${base}/top?limit=${TOP_LIMIT}`);
    table.setRows(top.rows, ranking);
    topSection.hidden = !top.rows.length;
    topSummary.textContent = `${top.rows.length} variants (${TERMINAL_STATES.has(top.state) ? "final" : "live snapshot"})`;
    showRejections(topSection, job.constraintRejections, defaults.allowedMetrics);
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
    setChildren(status, jobStatus(job, ranking, defaults.allowedMetrics));
    renderRequest(requestPanel, job);
    cancelButton.hidden = terminal;
    cancelButton.disabled = Boolean(job.cancelRequestedAt);
    try {
      await refreshTop(ranking);
    } catch (err) {
      topSummary.textContent = `Top table unavailable: ${err.message}`;
    }
    if (job.request && job.request.validation && (terminal || !validationPanel.hidden)) {
      try {
        renderValidation(validationPanel, (await getJson(`${base}/validation`)).validation);
      } catch (err) {
        topSummary.textContent = `Validation unavailable: ${err.message}`;
      }
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
