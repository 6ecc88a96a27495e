// A validation result on screen: the holdout summary line, or the walk-forward view (efficiency, the
// stitched out-of-sample metrics, one row per fold and the stitched out-of-sample equity chart). The
// sync page shows the response's `validation`; a job page the job's stored one.

import { LineSeries, createChart } from "./vendor/lightweight-charts/lightweight-charts.standalone.production.mjs";
import { toSeconds } from "./chart_time.js";
import { el, setChildren } from "./dom.js";
import { formatDateTime, formatNumber, metricLabel } from "./format.js";

const charts = new WeakMap();

function share(value) {
  return typeof value === "number" ? `${(value * 100).toFixed(0)}%` : "n/a";
}

function holdoutSummary(summary) {
  return el("p", { class: "validation-summary", "data-testid": "holdout-summary" },
    `Holdout from ${formatDateTime(summary.oos_start)}: ${share(summary.profitable_oos_share)} of ${summary.rows} rows profitable out of sample · `
    + `Spearman IS vs OOS (${metricLabel(summary.metric)}) ${formatNumber(summary.spearman_is_oos)}`);
}

function paramsText(params) {
  return Object.entries(params || {}).map(([name, value]) => `${name}=${value ?? "off"}`).join(", ");
}

function foldTable(report) {
  const metric = report.metric;
  const head = el("tr", {}, ["Fold", "Train", "Test", "Chosen parameters", `IS ${metricLabel(metric)}`, `OOS ${metricLabel(metric)}`, "OOS return %"]
    .map((label) => el("th", { scope: "col" }, label)));
  const rows = report.folds.map((fold) => el("tr", { dataset: { fold: String(fold.fold) } },
    el("td", { class: "num" }, fold.fold),
    el("td", {}, `${formatDateTime(fold.train_start)} – ${formatDateTime(fold.train_end)}`),
    el("td", {}, `${formatDateTime(fold.test_start)} – ${formatDateTime(fold.test_end)}`),
    el("td", { class: "params" }, paramsText(fold.params)),
    el("td", { class: "num" }, formatNumber(fold.in_sample[metric])),
    el("td", { class: "num" }, formatNumber(fold.out_of_sample[metric])),
    el("td", { class: "num" }, formatNumber(fold.out_of_sample.total_return_pct))));
  return el("div", { class: "table-scroll" },
    el("table", { class: "data-table fold-table", "data-testid": "fold-table" }, el("thead", {}, head), el("tbody", {}, rows)));
}

function frequencies(report) {
  return Object.entries(report.parameter_frequencies || {}).map(([axis, counts]) =>
    el("li", {}, `${axis}: `, Object.entries(counts).map(([value, n]) => `${value} × ${n}`).join(", ")));
}

// One point per second (the chart's time unit), the last value of a second kept.
export function equityLine(equity) {
  const points = [];
  (equity.ts_ms || []).forEach((ts, i) => {
    const value = equity.equity[i];
    if (value === null || value === undefined) return;
    const time = toSeconds(ts);
    const last = points[points.length - 1];
    if (last && last.time === time) last.value = value;
    else points.push({ time, value });
  });
  return points;
}

function stitchedChart(box, equity) {
  charts.get(box)?.remove();
  const chart = createChart(box, { autoSize: true, layout: { attributionLogo: true, fontSize: 11 }, timeScale: { timeVisible: true } });
  charts.set(box, chart);
  const points = equityLine(equity);
  chart.addSeries(LineSeries, { color: "#2563eb", lineWidth: 2, title: "stitched OOS equity", priceLineVisible: false }).setData(points);
  chart.timeScale().fitContent();
  box.dataset.points = String(points.length);
}

function walkForwardView(container, report) {
  const metrics = report.stitched_metrics || {};
  const box = el("div", { class: "stitched-chart", "data-testid": "stitched-equity" });
  setChildren(container,
    el("div", { class: "card-head" }, el("h2", {}, `Walk-forward (${report.folds.length} folds${report.anchored ? ", anchored" : ""})`)),
    el("p", { class: "validation-summary", "data-testid": "walk-forward-summary" },
      `Stitched out of sample: return ${formatNumber(metrics.total_return_pct)}% · max drawdown ${formatNumber(metrics.max_drawdown_pct)}% · `
      + `walk-forward efficiency ${formatNumber(report.efficiency)}`),
    box,
    foldTable(report),
    el("div", { class: "report-grid" },
      el("div", {}, el("h3", {}, "Stitched metrics"), el("table", { class: "metrics-table" }, el("tbody", {},
        (report.stitched_rows || []).map((row) => el("tr", {}, el("th", { scope: "row" }, row.metric), el("td", {}, row.value ?? formatNumber(row.raw))))))),
      el("div", {}, el("h3", {}, "How often each value was chosen"), el("ul", { class: "frequencies" }, frequencies(report)))),
    el("p", { class: "muted attribution" }, "Charts by ", el("a", { href: "https://www.tradingview.com/", rel: "noopener" }, "TradingView Lightweight Charts™")),
  );
  container.hidden = false;
  stitchedChart(box, report.stitched_equity || {});
}

// Shows `validation` (a holdout summary or a walk-forward report) in `container`; hides it when null.
export function renderValidation(container, validation) {
  if (!validation) {
    container.hidden = true;
    setChildren(container);
    return;
  }
  if (validation.mode === "walk_forward") {
    walkForwardView(container, validation);
    return;
  }
  setChildren(container, el("h2", {}, "Out of sample"), holdoutSummary(validation));
  container.hidden = false;
}
