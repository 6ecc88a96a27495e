// The report panel's heatmap (POST /api/backtests/heatmap): one ranking metric over two axes of the
// search's grid, every other parameter held at the variant's values, so a plateau is told from one
// bright dot. Default axes SL x TP; the variant's cell is marked; hovering a cell shows its value; a
// click loads that cell's variant report. Colour is by rank among the finite cells (one outlier cannot
// wash out the rest), green = better in the metric's direction.

import { postJson } from "./api_client.js";
import { el, option, setChildren } from "./dom.js";
import { RANKING_METRIC_LABELS, formatNumber, metricLabel } from "./format.js";

const HEATMAP_URL = "/api/backtests/heatmap";
const LOWER_IS_BETTER = new Set(["max_drawdown_pct"]);

// What names an indicator instance in axis names and signal params: its alias, else its id.
const entryName = (entry) => entry.alias || entry.indicator_id;

// Axis names as the API spells them: sl_pct, tp_pct, <instance>.<input or param>, <instance>.signals.<param>.
export function gridAxes(request) {
  const axes = [];
  for (const indicator of request.indicators || []) {
    const id = entryName(indicator);
    for (const section of ["inputs", "params"]) {
      for (const name of Object.keys(indicator[section] || {})) axes.push({ name: `${id}.${name}`, section, owner: id, param: name });
    }
    for (const name of Object.keys(indicator.signals || {})) axes.push({ name: `${id}.signals.${name}`, section: "signals", owner: id, param: name });
  }
  for (const name of ["sl_pct", "tp_pct"]) axes.push({ name, section: "risk", owner: null, param: name });
  return axes;
}

// The variant payload of one heatmap cell: the row's payload with the two axes set to the cell's values.
export function cellPayload(payload, settings) {
  const copy = structuredClone(payload);
  for (const [axis, value] of settings) {
    if (axis.section === "risk") {
      copy.risk_params = { ...copy.risk_params, [axis.param]: value };
    } else if (axis.section === "signals") {
      copy.signal_params = { ...copy.signal_params, [axis.owner]: { ...(copy.signal_params || {})[axis.owner], [axis.param]: value } };
    } else {
      const selection = copy.indicator_selections.find((entry) => entryName(entry) === axis.owner);
      const section = axis.param in (selection.inputs || {}) ? "inputs" : "params";
      selection[section] = { ...selection[section], [axis.param]: value };
    }
  }
  return copy;
}

// 0 (worst) .. 1 (best) by rank among the finite values; null for missing cells.
export function cellShades(values, metric) {
  const finite = values.flat().filter((value) => typeof value === "number" && Number.isFinite(value)).sort((a, b) => a - b);
  const better = LOWER_IS_BETTER.has(metric) ? -1 : 1;
  return values.map((row) => row.map((value) => {
    if (typeof value !== "number" || !finite.length) return null;
    if (finite.length === 1) return 1;
    const below = finite.findIndex((v) => v >= value);
    const rank = (below < 0 ? finite.length - 1 : below) / (finite.length - 1);
    return better > 0 ? rank : 1 - rank;
  }));
}

function shadeColor(shade) {
  if (shade === null) return "#e5e7eb";
  const hue = Math.round(shade * 120); // 0 red .. 120 green
  return `hsl(${hue}, 60%, ${78 - shade * 18}%)`;
}

function axisText(value) {
  return value === null || value === undefined ? "off" : String(value);
}

function heatmapTable(body, onCell) {
  const shades = cellShades(body.values, body.metric);
  const head = el("tr", {}, el("th", { scope: "col", class: "corner" }, `${body.y_axis} \\ ${body.x_axis}`),
    body.x_values.map((value) => el("th", { scope: "col", class: "num" }, axisText(value))));
  const rows = body.y_values.map((yValue, y) => el("tr", {},
    el("th", { scope: "row", class: "num" }, axisText(yValue)),
    body.x_values.map((xValue, x) => {
      const value = body.values[y][x];
      const own = x === body.variant_x && y === body.variant_y;
      const title = `${body.x_axis}=${axisText(xValue)}, ${body.y_axis}=${axisText(yValue)}: ${metricLabel(body.metric)} ${formatNumber(value)}${own ? " (this variant)" : ""}`;
      return el("td", {
        class: `heat-cell${own ? " own" : ""}`,
        style: `background:${shadeColor(shades[y][x])}`,
        title,
        tabindex: value === null ? null : "0",
        dataset: { x: String(x), y: String(y), value: value === null ? "" : String(value) },
        onclick: value === null ? null : () => onCell(x, y),
        onkeydown: value === null ? null : (event) => event.key === "Enter" && onCell(x, y),
      }, own ? "★" : "");
    })));
  return el("div", { class: "table-scroll" }, el("table", { class: "heatmap-table", "data-testid": "heatmap-table" }, el("thead", {}, head), el("tbody", {}, rows)));
}

function axisSelect(id, axes, selected) {
  return el("select", { id, class: "small" }, axes.map((axis) => option(axis.name, axis.name, axis.name === selected)));
}

// Renders the heatmap section into `container` and keeps it in step with its controls. `openCell(payload,
// label)` loads a cell's report.
export function renderHeatmap(container, { runContext, request, payload, metric, openCell }) {
  const axes = gridAxes(request);
  const xSelect = axisSelect("heatmap-x", axes, "sl_pct");
  const ySelect = axisSelect("heatmap-y", axes, "tp_pct");
  const metricSelect = el("select", { id: "heatmap-metric", class: "small" },
    Object.keys(RANKING_METRIC_LABELS).map((name) => option(name, metricLabel(name), name === metric)));
  const status = el("span", { class: "muted heatmap-status", "aria-live": "polite" });
  const grid = el("div", { class: "heatmap-grid" });
  const hover = el("p", { class: "muted heatmap-hover", "data-testid": "heatmap-hover" }, "Hover a cell for its value; click it for its report.");
  setChildren(container,
    el("div", { class: "card-head" }, el("h3", {}, "Heatmap"),
      el("div", { class: "inline-controls" },
        el("label", {}, "x ", xSelect), el("label", {}, "y ", ySelect), el("label", {}, "metric ", metricSelect), status)),
    grid, hover);

  grid.addEventListener("mouseover", (event) => {
    const cell = event.target.closest(".heat-cell");
    if (cell) hover.textContent = cell.title;
  });
  let generation = 0;
  const load = async () => {
    const mine = ++generation;
    const byName = (name) => axes.find((axis) => axis.name === name);
    const body = {
      run_context: runContext, variant: payload, indicators: request.indicators, risk: request.risk || {},
      x_axis: xSelect.value, y_axis: ySelect.value, metric: metricSelect.value,
    };
    status.textContent = "Loading…";
    try {
      const heatmap = await postJson(HEATMAP_URL, body);
      if (mine !== generation) return;
      const onCell = (x, y) => {
        const cell = cellPayload(payload, [[byName(heatmap.x_axis), heatmap.x_values[x]], [byName(heatmap.y_axis), heatmap.y_values[y]]]);
        openCell(cell, `${heatmap.x_axis}=${axisText(heatmap.x_values[x])}, ${heatmap.y_axis}=${axisText(heatmap.y_values[y])}`);
      };
      setChildren(grid, heatmapTable(heatmap, onCell));
      status.textContent = `${heatmap.cells} cells`;
    } catch (err) {
      if (mine !== generation) return;
      setChildren(grid, el("p", { class: "error-text" }, err.message || String(err)));
      status.textContent = "";
    }
  };
  for (const select of [xSelect, ySelect, metricSelect]) select.addEventListener("change", load);
  return load();
}

// The report opener's `extend` hook: a heatmap section under every report, centred on its variant; a
// cell's report (keyed by its payload, as cells have no rank) gets a heatmap of its own.
export function heatmapExtension(getRequest, getMetric) {
  return (panel, row, runContext, open) => {
    const request = getRequest();
    if (!request || !(request.indicators || []).length) return;
    const section = el("section", { class: "heatmap-section", "data-testid": "heatmap" });
    panel.append(section);
    const openCell = (payload, label) =>
      open({ title: `Report · heatmap cell ${label}`, variant_key: `cell:${JSON.stringify(payload)}`, payload, rank: null });
    renderHeatmap(section, { runContext, request, payload: row.payload, metric: getMetric(), openCell });
  };
}
