// Compare 2-4 ranked rows: their report metrics side by side and their equity curves on one chart.
// Reports come from the same per-variant_key cache as "Load report", so comparing costs no new
// request for a row whose report is already loaded.

import { LineSeries, createChart } from "./vendor/lightweight-charts/lightweight-charts.standalone.production.mjs";
import { toSeconds } from "./chart_time.js";
import { el, setChildren } from "./dom.js";
import { reportRequest } from "./variant_report.js";
import { describeVariant } from "./variant_text.js";

export const COMPARE_MIN = 2;
export const COMPARE_MAX = 4;
const COLORS = ["#2563eb", "#d97706", "#16a34a", "#db2777"];

function metricsSideBySide(rows, reports) {
  const names = reports[0].rows.map((row) => row.metric);
  const valueOf = (report, name) => report.rows.find((row) => row.metric === name)?.value ?? "n/a";
  return el(
    "div",
    { class: "table-scroll" },
    el(
      "table",
      { class: "data-table compare-table" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Metric"),
        rows.map((row, i) => el("th", { scope: "col", class: "num", style: `color:${COLORS[i]}` }, `Rank ${row.rank}`)))),
      el("tbody", {}, names.map((name) =>
        el("tr", { dataset: { metric: name } }, el("th", { scope: "row" }, name),
          reports.map((report) => el("td", { class: "num" }, valueOf(report, name)))))),
    ),
  );
}

function equityChart(box, rows, reports) {
  const chart = createChart(box, {
    autoSize: true,
    layout: { attributionLogo: true, fontSize: 11 },
    timeScale: { timeVisible: true, secondsVisible: false },
    localization: { dateFormat: "yyyy-MM-dd" },
  });
  reports.forEach((report, i) => {
    const series = chart.addSeries(LineSeries, { color: COLORS[i], lineWidth: 2, title: `rank ${rows[i].rank}`, priceLineVisible: false });
    const { ts_ms: times, equity } = report.equity;
    const points = [];
    times.forEach((ms, j) => {
      const time = toSeconds(ms);
      if (points.length && points[points.length - 1].time === time) points[points.length - 1].value = equity[j];
      else points.push({ time, value: equity[j] });
    });
    series.setData(points);
  });
  chart.timeScale().fitContent();
  return chart;
}

export function createCompareView({ panel, button, cache, getRunContext }) {
  let rows = [];
  let chart = null;
  const sync = () => {
    button.disabled = rows.length < COMPARE_MIN || rows.length > COMPARE_MAX;
    button.textContent = `Compare (${rows.length})`;
    button.title = `Tick ${COMPARE_MIN}-${COMPARE_MAX} rows to compare`;
  };
  button.addEventListener("click", async () => {
    const picked = [...rows].sort((a, b) => a.rank - b.rank);
    button.disabled = true;
    try {
      const runContext = getRunContext();
      const reports = await Promise.all(picked.map((row) => cache.load(row.variant_key, reportRequest(runContext, row.payload))));
      chart?.remove();
      const box = el("div", { class: "compare-chart", "data-testid": "compare-chart" });
      setChildren(
        panel,
        el("div", { class: "card-head" }, el("h2", {}, `Compare ranks ${picked.map((row) => row.rank).join(", ")}`)),
        el("ul", { class: "compare-legend" }, picked.map((row, i) =>
          el("li", { style: `border-left-color:${COLORS[i]}` }, el("strong", {}, `Rank ${row.rank}: `), describeVariant(row.payload).join(" · ")))),
        el("h3", {}, "Equity"),
        box,
        el("h3", {}, "Metrics"),
        metricsSideBySide(picked, reports),
      );
      panel.hidden = false;
      chart = equityChart(box, picked, reports);
      panel.scrollIntoView({ block: "start" });
    } catch (err) {
      setChildren(panel, el("h2", {}, "Compare"), el("p", { class: "error-text" }, err.message || String(err)));
      panel.hidden = false;
    } finally {
      sync();
    }
  });
  sync();
  return (selected) => {
    rows = selected;
    sync();
  };
}
