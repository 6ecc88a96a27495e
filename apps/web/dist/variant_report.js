// On-demand variant reports. Ranking never builds reports; the user asks for one per row, and each
// report is cached by variant_key for the life of the page, so asking again makes no request.

import { getJson, postJson } from "./api_client.js";
import { el, setChildren } from "./dom.js";
import { formatDateTime, formatNumber, shortKey } from "./format.js";
import { renderPriceChart } from "./price_chart.js";
import { downloadText, requestToText, variantRequest } from "./request_io.js";
import { describeVariant } from "./variant_text.js";

const REPORT_URL = "/api/backtests/variant-report";
const CHART_POINTS = 2000;
const TRADE_COLUMN_ORDER = [
  "entry_time", "exit_time", "side", "entry_price", "exit_price", "qty", "fees",
  "gross_pnl", "net_pnl", "return_pct", "exit_reason",
];

export class VariantReportCache {
  constructor(fetchReport = (body) => postJson(REPORT_URL, body)) {
    this.fetchReport = fetchReport;
    this.reports = new Map();
  }

  has(variantKey) {
    return this.reports.has(variantKey);
  }

  // Concurrent clicks on one row share the in-flight promise; a failure is forgotten so a retry refetches.
  load(variantKey, requestBody) {
    let report = this.reports.get(variantKey);
    if (!report) {
      report = this.fetchReport(requestBody);
      this.reports.set(variantKey, report);
      report.catch(() => this.reports.delete(variantKey));
    }
    return report;
  }
}

// Candles of one run context, fetched once per page (every report of a search shares them).
const candleRequests = new Map();

export function loadCandles(runContext) {
  const query = new URLSearchParams({
    instrument_id: runContext.instrument_id,
    timeframe: runContext.timeframe,
    start: runContext.time_range.start,
    end: runContext.time_range.end,
    max_points: String(CHART_POINTS),
  }).toString();
  let request = candleRequests.get(query);
  if (!request) {
    request = getJson(`/api/candles?${query}`);
    candleRequests.set(query, request);
    request.catch(() => candleRequests.delete(query));
  }
  return request;
}

export function reportRequest(runContext, payload, topTradesN) {
  const body = { run_context: runContext, variant: payload, include_trades: true };
  if (topTradesN) body.top_trades_n = topTradesN;
  return body;
}

function metricsTable(rows) {
  return el(
    "table",
    { class: "metrics-table" },
    el(
      "tbody",
      {},
      (rows || []).map((row) => el("tr", {}, el("th", { scope: "row" }, row.metric), el("td", {}, row.value ?? formatNumber(row.raw)))),
    ),
  );
}

function tradeColumns(trades) {
  const keys = Object.keys(trades[0] || {});
  const known = TRADE_COLUMN_ORDER.filter((key) => keys.includes(key));
  return [...known, ...keys.filter((key) => !known.includes(key))];
}

function tradeText(key, value) {
  if (/(_time|_ts|_at)$/.test(key)) return formatDateTime(value);
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : formatNumber(value, Math.abs(value) < 10 ? 4 : 2);
  return value ?? "";
}

function tradeCell(key, value) {
  return el("td", { class: typeof value === "number" ? "num" : null }, tradeText(key, value));
}

function tradesTable(trades) {
  if (!trades || !trades.length) return el("p", { class: "muted" }, "No trades.");
  const columns = tradeColumns(trades);
  return el(
    "div",
    { class: "table-scroll tall" },
    el(
      "table",
      { class: "data-table trades-table" },
      el("thead", {}, el("tr", {}, columns.map((key) => el("th", { scope: "col" }, key.replaceAll("_", " "))))),
      el("tbody", {}, trades.map((trade) => el("tr", {}, columns.map((key) => tradeCell(key, trade[key]))))),
    ),
  );
}

function exportButton(runContext, payload, fileName) {
  const onclick = () => downloadText(fileName, requestToText(variantRequest(runContext, payload), "yaml"), "application/yaml");
  return el("button", { type: "button", class: "secondary small export-variant", title: "A single-variant request file: trading backtest report FILE", onclick }, "Export variant");
}

function renderVariantReport(container, report, title, candles, payload, runContext, fileName) {
  const chart = el("div", { class: "chart-box" });
  const total = report.trades_total ?? (report.trades || []).length;
  const shown = (report.trades || []).length;
  setChildren(
    container,
    el("div", { class: "card-head" }, el("h2", {}, title),
      el("div", { class: "inline-controls" }, exportButton(runContext, payload, fileName),
        el("code", { class: "muted", title: report.variant_key }, shortKey(report.variant_key)))),
    el("p", { class: "variant-params" }, describeVariant(payload).join(" · ")),
    el("div", { class: "report-chart" }, chart),
    el("div", { class: "report-grid" },
      el("div", {}, el("h3", {}, "Metrics"), metricsTable(report.rows)),
      el("div", {},
        el("h3", {}, shown < total ? `Trades (first ${shown} of ${total})` : `Trades (${total})`),
        tradesTable(report.trades))),
  );
  container.hidden = false;
  renderPriceChart(chart, candles, report);
}

function renderReportError(container, title, error) {
  setChildren(container, el("h2", {}, title), el("p", { class: "error-text" }, error.message || String(error)));
  container.hidden = false;
}

// The click handler both pages give their ranked table: fetch (or reuse) the row's report and show it.
// `extend(panel, row, runContext)` adds to a shown report (the heatmap); a row may bring its own
// `title`, and a heatmap cell opens its report without a button.
export function createReportOpener({ panel, getRunContext, getTopTradesN = () => null, cache = new VariantReportCache(), extend = null }) {
  const open = async (row, button) => {
    const title = row.title || `Report · rank ${row.rank}`;
    const cached = cache.has(row.variant_key);
    if (!cached && button) {
      button.disabled = true;
      button.textContent = "Loading…";
    }
    try {
      const runContext = getRunContext();
      const [report, candles] = await Promise.all([
        cache.load(row.variant_key, reportRequest(runContext, row.payload, getTopTradesN())),
        loadCandles(runContext),
      ]);
      renderVariantReport(panel, report, title, candles, row.payload, runContext, `variant-rank-${row.rank ?? "cell"}.yaml`);
      if (extend) extend(panel, row, runContext, open);
      button?.classList.add("loaded");
      panel.scrollIntoView({ block: "start" });
    } catch (err) {
      renderReportError(panel, title, err);
    } finally {
      if (button) {
        button.disabled = false;
        button.textContent = "Load report";
      }
    }
  };
  return open;
}
