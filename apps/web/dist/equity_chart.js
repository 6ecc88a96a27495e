// Inline SVG equity chart: the equity line (over the buy & hold benchmark when the report has it) and, underneath, the drawdown band computed from it, with
// value and time axes. Drawn at the container's pixel width so text stays readable on phones.

import { el, svg, setChildren } from "./dom.js";
import { formatNumber, toDate } from "./format.js";

// Round tick steps (1, 2, 5 x 10^n) so axis labels read naturally.
export function niceTicks(min, max, count) {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let tick = Math.ceil(min / step) * step; tick <= max + step * 1e-9; tick += step) ticks.push(tick);
  return ticks;
}

function drawdownPct(values) {
  let peak = -Infinity;
  return values.map((value) => {
    peak = Math.max(peak, value);
    return peak > 0 ? (1 - value / peak) * 100 : 0;
  });
}

function timeLabel(ms, spanMs) {
  const date = toDate(ms);
  if (!date) return "";
  const iso = date.toISOString();
  return spanMs < 3 * 86_400_000 ? iso.slice(5, 16).replace("T", " ") : iso.slice(0, 10);
}

function linePath(values, x, y) {
  let path = "";
  values.forEach((value, index) => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    path += `${path ? "L" : "M"}${x(index).toFixed(1)},${y(value).toFixed(1)}`;
  });
  return path;
}

function extent(values) {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (Number.isFinite(value)) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
  }
  if (min === max) return [min - 1, max + 1];
  const pad = (max - min) * 0.05;
  return [min - pad, max + pad];
}

function legend(hasBenchmark) {
  return el(
    "div",
    { class: "chart-legend" },
    el("span", { class: "legend-equity" }, "Equity"),
    hasBenchmark ? el("span", { class: "legend-benchmark" }, "Buy & hold") : null,
    el("span", { class: "legend-drawdown" }, "Drawdown %"),
  );
}

const resizeWatchers = new WeakMap();

// The chart is drawn for one pixel width; redraw it when its box changes width (rotation, resize).
function redrawOnResize(container, draw) {
  resizeWatchers.get(container)?.disconnect();
  let width = container.clientWidth;
  const watcher = new ResizeObserver(() => {
    if (container.clientWidth === width || !container.isConnected) return;
    width = container.clientWidth;
    draw();
  });
  watcher.observe(container);
  resizeWatchers.set(container, watcher);
}

export function renderEquityChart(container, series) {
  drawEquityChart(container, series);
  redrawOnResize(container, () => drawEquityChart(container, series));
}

function drawEquityChart(container, series) {
  const equity = series && series.equity;
  if (!equity || equity.length < 2) {
    setChildren(container, el("p", { class: "muted" }, "No equity curve in this report."));
    return;
  }
  const times = series.ts_ms;
  const width = Math.max(300, Math.floor(container.clientWidth || 800));
  const height = width < 600 ? 260 : 320;
  const margin = { left: 64, right: 12, top: 10, bottom: 24 };
  const plotWidth = width - margin.left - margin.right;
  const equityHeight = (height - margin.top - margin.bottom) * 0.7;
  const ddTop = margin.top + equityHeight + 12;
  const ddHeight = height - margin.bottom - ddTop;

  const benchmark = Array.isArray(series.benchmark) && series.benchmark.length === equity.length ? series.benchmark : null;
  const [low, high] = extent(benchmark ? equity.concat(benchmark) : equity);
  const drawdown = drawdownPct(equity);
  const maxDd = Math.max(1e-9, ...drawdown);
  const x = (index) => margin.left + (index / (equity.length - 1)) * plotWidth;
  const y = (value) => margin.top + (1 - (value - low) / (high - low)) * equityHeight;
  const yDd = (value) => ddTop + (value / maxDd) * ddHeight;

  const parts = [];
  for (const tick of niceTicks(low, high, width < 600 ? 3 : 5)) {
    parts.push(svg("line", { class: "grid", x1: margin.left, x2: width - margin.right, y1: y(tick), y2: y(tick) }));
    parts.push(svg("text", { class: "axis-label", x: margin.left - 6, y: y(tick) + 4, "text-anchor": "end" }, formatNumber(tick, 0)));
  }
  const spanMs = Number(times[times.length - 1]) - Number(times[0]);
  const xTickCount = width < 600 ? 3 : 5;
  for (let i = 0; i < xTickCount; i += 1) {
    const index = Math.round((i / (xTickCount - 1)) * (equity.length - 1));
    const anchor = i === 0 ? "start" : i === xTickCount - 1 ? "end" : "middle";
    parts.push(svg("text", { class: "axis-label", x: x(index), y: height - 6, "text-anchor": anchor }, timeLabel(times[index], spanMs)));
  }
  const ddArea = `${linePath(drawdown, x, yDd)}L${x(equity.length - 1).toFixed(1)},${ddTop}L${x(0).toFixed(1)},${ddTop}Z`;
  parts.push(svg("path", { class: "dd-area", d: ddArea }));
  parts.push(svg("line", { class: "axis", x1: margin.left, x2: width - margin.right, y1: ddTop, y2: ddTop }));
  parts.push(svg("text", { class: "axis-label", x: margin.left - 6, y: ddTop + ddHeight, "text-anchor": "end" }, `-${formatNumber(maxDd, 1)}%`));
  if (benchmark) parts.push(svg("path", { class: "bench-line", d: linePath(benchmark, x, y) }));
  parts.push(svg("path", { class: "eq-line", d: linePath(equity, x, y) }));

  const chart = svg(
    "svg",
    { class: "equity-chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Equity curve" },
    parts,
  );
  setChildren(container, chart, legend(benchmark !== null));
}
