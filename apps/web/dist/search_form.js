// The search form as data: fills its controls from the listing endpoints and reads back the exact
// request body POST /api/backtests (and /preflight, /jobs) accept.

import { createAxisEditor } from "./axis_editor.js";
import { ConstraintsEditor } from "./constraints_editor.js";
import { CrossRules } from "./cross_rules.js";
import { el, option, setChildren } from "./dom.js";
import { formatDateTime, metricLabel } from "./format.js";
import { IndicatorList } from "./indicator_list.js";
import { fillValidation, installValidationFields, readValidation } from "./validation_fields.js";

const TIMEFRAMES = ["1m", "5m", "15m", "30m", "1h", "4h", "1d"];
const DEFAULT_TIMEFRAME = "1h";
const DEFAULT_RANGE_DAYS = 30;
const HOUR_MS = 3_600_000;
const DIRECTION_MODES = ["long_short", "long_only", "short_only"];
const SIZING_MODES = ["all_in", "fixed_quote", "strategy_compound_profit_lock"];
const STOP_MODES = ["close", "intrabar"];
const FILL_MODES = ["close", "next_open"];
const EXECUTION_NUMBERS = [
  ["init_cash_quote", "Initial cash", "init_cash_quote_default"],
  ["fixed_quote", "Fixed quote", "fixed_quote_default"],
  ["safe_profit_percent", "Safe profit %", "safe_profit_percent_default"],
  ["fee_pct", "Fee %", null],
  ["slippage_pct", "Slippage %", "slippage_pct_default"],
];
const RISK_AXES = [
  ["sl_pct", "Stop-loss %", { mode: "explicit", values: [null, 2, 5] }],
  ["tp_pct", "Take-profit %", { mode: "explicit", values: [null, 5, 10] }],
];

// Date fields are plain text in UTC, "YYYY-MM-DD HH:MM" on a 24-hour clock: a browser date-time
// control would show local conventions ("12:00 AM") under a UTC label.
export function toUtcInput(ms) {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

export function fromUtcInput(text) {
  const trimmed = text.trim();
  // Anything else goes to the server as typed, so its error lands next to the field.
  return /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}$/.test(trimmed) ? `${trimmed.replace(" ", "T")}:00Z` : trimmed;
}

function inputValue(value) {
  return value === null || value === undefined ? "" : String(value);
}

function optionalNumber(input) {
  const text = input.value.trim();
  if (text === "") return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : text;
}

function numberField(path, label, name, placeholder) {
  const input = el("input", { type: "number", step: "any", name, placeholder: placeholder ?? "" });
  return { input, element: el("label", { class: "field", dataset: { fieldPath: path } }, label, input) };
}

function selectField(path, label, name, values, serverDefault) {
  const defaultLabel = serverDefault ? `server default (${serverDefault})` : "server default";
  const select = el("select", { name }, option("", defaultLabel), values.map((value) => option(value, value)));
  return { select, element: el("label", { class: "field", dataset: { fieldPath: path } }, label, select) };
}

export class SearchForm {
  constructor(form, { instruments, indicators, defaults }) {
    this.form = form;
    this.defaults = defaults;
    this.instruments = new Map(instruments.map((instrument) => [instrument.id, instrument]));
    this.controls = {
      instrument: form.querySelector("#instrument"),
      timeframe: form.querySelector("#timeframe"),
      start: form.querySelector("#range-start"),
      end: form.querySelector("#range-end"),
      coverage: form.querySelector("#instrument-coverage"),
      primary: form.querySelector("#primary-metric"),
      secondary: form.querySelector("#secondary-metric"),
      collapse: form.querySelector("#collapse-same-outcome"),
      topK: form.querySelector("#top-k"),
      preselect: form.querySelector("#preselect"),
      warmup: form.querySelector("#warmup-bars"),
      topTradesN: form.querySelector("#top-trades-n"),
    };
    this.fillMarket(instruments);
    this.indicators = new IndicatorList({
      container: form.querySelector("#indicator-list"),
      picker: form.querySelector("#indicator-picker"),
      addButton: form.querySelector("#add-indicator"),
      catalogue: indicators,
    });
    this.crossRules = new CrossRules(form.querySelector("#indicator-list").closest("section"));
    if (indicators.length) this.indicators.add((indicators.find((i) => /(^|\.)sma$/.test(i.id)) || indicators[0]).id);
    this.setRisk(Object.fromEntries(RISK_AXES.map(([name, , initial]) => [name, initial])));
    this.fillExecution(form.querySelector("#execution-fields"));
    this.fillAdvanced();
    this.constraints = new ConstraintsEditor(form.querySelector("#result-constraints"), defaults);
    installValidationFields(form);
  }

  fillMarket(instruments) {
    const { instrument, timeframe } = this.controls;
    setChildren(instrument, instruments.map((item) => option(item.id, item.id)));
    setChildren(timeframe, TIMEFRAMES.map((tf) => option(tf, tf, tf === DEFAULT_TIMEFRAME)));
    instrument.addEventListener("change", () => {
      this.applyInstrumentRange();
      this.applyMarketFee();
    });
    this.applyInstrumentRange();
  }

  // A new instrument gets the last month of its stored data as the default range.
  applyInstrumentRange() {
    const instrument = this.instruments.get(this.controls.instrument.value);
    const { start, end, coverage } = this.controls;
    if (!instrument || instrument.lastMs === null) {
      coverage.textContent = instrument ? "" : "No stored candles: import or synthesize some with `trading candles`.";
      return;
    }
    const endMs = Math.floor((instrument.lastMs + 60_000) / HOUR_MS) * HOUR_MS;
    const firstHour = Math.ceil((instrument.firstMs ?? endMs) / HOUR_MS) * HOUR_MS;
    const startMs = Math.max(firstHour, endMs - DEFAULT_RANGE_DAYS * 24 * HOUR_MS);
    start.value = toUtcInput(startMs);
    end.value = toUtcInput(endMs);
    const bars = instrument.bars !== null ? `, ${instrument.bars.toLocaleString("en-US")} ${instrument.base} bars` : "";
    coverage.textContent = `Stored: ${formatDateTime(instrument.firstMs)} – ${formatDateTime(instrument.lastMs)}${bars}`;
  }

  setRisk(risk) {
    this.riskEditors = RISK_AXES.map(([name, label]) => {
      const editor = createAxisEditor({ path: `risk.${name}`, name: label, kind: "risk", initial: risk[name] ?? null, allowOff: true });
      return [name, editor];
    });
    setChildren(this.form.querySelector("#risk-axes"), this.riskEditors.map(([, editor]) => editor.element));
  }

  fillExecution(container) {
    const execution = this.defaults.execution;
    const direction = selectField(
      "execution.direction_mode", "Direction", "direction_mode", DIRECTION_MODES, execution.direction_mode_default,
    );
    const sizing = selectField("execution.sizing_mode", "Sizing", "sizing_mode", SIZING_MODES, execution.sizing_mode_default);
    const stopMode = selectField("execution.stop_mode", "Stops checked", "stop_mode", STOP_MODES, execution.stop_mode_default);
    const fill = selectField("execution.fill", "Fill at", "fill", FILL_MODES, execution.fill_default);
    const numbers = EXECUTION_NUMBERS.map(([name, label, defaultKey]) => [
      name,
      numberField(`execution.${name}`, label, name, defaultKey ? execution[defaultKey] : ""),
    ]);
    this.executionControls = {
      direction_mode: direction.select,
      sizing_mode: sizing.select,
      stop_mode: stopMode.select,
      fill: fill.select,
    };
    for (const [name, field] of numbers) this.executionControls[name] = field.input;
    setChildren(
      container,
      [direction, sizing, stopMode, fill].map((field) => field.element),
      numbers.map(([, field]) => field.element),
    );
    this.applyMarketFee();
  }

  // The default fee depends on the market (the number before ':' in the instrument id).
  applyMarketFee() {
    const fees = this.defaults.execution.fee_pct_default_by_market_id || {};
    const marketId = this.controls.instrument.value.split(":")[0];
    this.executionControls.fee_pct.placeholder = fees[marketId] ?? "";
  }

  fillAdvanced() {
    const { primary, secondary, topK, preselect, warmup, topTradesN } = this.controls;
    const metrics = this.defaults.allowedMetrics;
    const label = (metric) => `${metric.label || metricLabel(metric.name)}${metric.direction ? ` (${metric.direction})` : ""}`;
    setChildren(primary, metrics.map((metric) => option(metric.name, label(metric), metric.name === this.defaults.primaryMetric)));
    setChildren(
      secondary,
      option("", "none", this.defaults.secondaryMetric === null),
      metrics.map((metric) => option(metric.name, label(metric), metric.name === this.defaults.secondaryMetric)),
    );
    this.controls.collapse.checked = this.defaults.collapseSameOutcome;
    topK.placeholder = this.defaults.topK ?? "";
    preselect.placeholder = this.defaults.preselect ?? "";
    warmup.placeholder = this.defaults.warmupBars ?? "";
    topTradesN.placeholder = this.defaults.topTradesN ?? "";
  }

  // The collapse switch is sent only when it differs from the server's default, so an untouched form
  // sends the same request (and job identity) as before the switch existed.
  ranking() {
    const collapse = this.controls.collapse.checked;
    return {
      primary_metric: this.controls.primary.value,
      secondary_metric: this.controls.secondary.value || null,
      ...(collapse === this.defaults.collapseSameOutcome ? {} : { collapse_same_outcome: collapse }),
    };
  }

  topTradesN() {
    return optionalNumber(this.controls.topTradesN) ?? null;
  }

  execution() {
    const execution = {};
    for (const [name, control] of Object.entries(this.executionControls)) {
      const value = control.tagName === "SELECT" ? control.value || undefined : optionalNumber(control);
      if (value !== undefined) execution[name] = value;
    }
    return execution;
  }

  risk() {
    return Object.fromEntries(this.riskEditors.map(([name, editor]) => [name, editor.read() ?? null]));
  }

  // Puts a request (imported file, cloned job, last result) into the controls; request() reads it back.
  fill(request) {
    const { instrument, timeframe, start, end, primary, secondary } = this.controls;
    if (this.instruments.has(request.instrument_id)) {
      instrument.value = request.instrument_id;
      this.applyInstrumentRange();
      this.applyMarketFee();
    }
    timeframe.value = request.timeframe;
    start.value = toUtcInput(Date.parse(request.time_range.start));
    end.value = toUtcInput(Date.parse(request.time_range.end));
    this.indicators.replace((request.indicators || []).map((indicator) => ({
      id: indicator.indicator_id,
      alias: indicator.alias ?? "",
      axes: { inputs: indicator.inputs || {}, params: indicator.params || {}, signals: indicator.signals || {} },
    })));
    this.crossRules.fill(request);
    this.setRisk(request.risk || {});
    for (const [name, control] of Object.entries(this.executionControls)) control.value = inputValue((request.execution || {})[name]);
    const ranking = request.ranking || {};
    primary.value = ranking.primary_metric || this.defaults.primaryMetric;
    secondary.value = ranking.secondary_metric || "";
    this.controls.collapse.checked = ranking.collapse_same_outcome ?? this.defaults.collapseSameOutcome;
    this.constraints.fill(request.constraints);
    const optional = { warmup_bars: "warmup", top_k: "topK", preselect: "preselect", top_trades_n: "topTradesN" };
    for (const [field, control] of Object.entries(optional)) this.controls[control].value = inputValue(request[field]);
    fillValidation(this.form, request.validation);
    this.form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // The body for /api/backtests, /preflight and /jobs. Empty optional fields are left to the server.
  request() {
    const { instrument, timeframe, start, end, topK, preselect, warmup, topTradesN } = this.controls;
    const body = {
      instrument_id: instrument.value,
      timeframe: timeframe.value,
      time_range: { start: fromUtcInput(start.value), end: fromUtcInput(end.value) },
      indicators: this.indicators.read(),
      ...this.crossRules.read(),
      risk: this.risk(),
      execution: this.execution(),
      ranking: this.ranking(),
    };
    const constraints = this.constraints.read();
    if (constraints) body.constraints = constraints;
    const optional = { warmup_bars: warmup, top_k: topK, preselect, top_trades_n: topTradesN };
    for (const [name, control] of Object.entries(optional)) {
      const value = optionalNumber(control);
      if (value !== undefined) body[name] = value;
    }
    const validation = readValidation(this.form);
    if (validation) body.validation = validation;
    return body;
  }
}

// What a report needs from the request that produced a ranked row.
export function runContextOf(request) {
  const context = { instrument_id: request.instrument_id, timeframe: request.timeframe, time_range: request.time_range };
  if (request.warmup_bars !== undefined && request.warmup_bars !== null) context.warmup_bars = request.warmup_bars;
  return context;
}
