// Request files in the browser: the form's request to YAML/JSON and back (errors name line and
// column), the ranked result as CSV, and file downloads. The same files `trading backtest run` reads.

import { dump, load } from "./vendor/js-yaml/js-yaml.mjs";

export class RequestFileError extends Error {}

// Drops null/undefined/empty-object leaves the form adds, so the file says only what was chosen.
// Risk axes are the exception: `sl_pct: null` means "stop disabled", so it is kept.
function compact(value, keepNull = false) {
  if (Array.isArray(value)) return value.map((item) => compact(item, true));
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || (item === null && !keepNull && key !== "sl_pct" && key !== "tp_pct")) continue;
    const inner = compact(item, keepNull);
    if (inner && typeof inner === "object" && !Array.isArray(inner) && !Object.keys(inner).length) continue;
    out[key] = inner;
  }
  return out;
}

// The file reads top-down like the form (stored jobs come back with sorted keys).
const KEY_ORDER = ["instrument_id", "timeframe", "time_range", "warmup_bars", "indicators", "risk", "execution", "ranking"];

function ordered(request) {
  const keys = [...KEY_ORDER.filter((key) => key in request), ...Object.keys(request).filter((key) => !KEY_ORDER.includes(key))];
  return Object.fromEntries(keys.map((key) => [key, request[key]]));
}

export function requestToText(request, format) {
  const document = ordered(compact(request));
  return format === "json" ? `${JSON.stringify(document, null, 2)}\n` : dump(document, { lineWidth: 120, noRefs: true });
}

function jsonPosition(text, message) {
  const match = /position (\d+)/.exec(message);
  if (!match) return "";
  const before = text.slice(0, Number(match[1])).split("\n");
  return `line ${before.length}, column ${before[before.length - 1].length + 1}: `;
}

// YAML (a superset of JSON) unless the name ends in .json; errors say "file: line L, column C: why".
export function parseRequestText(text, fileName = "request") {
  const isJson = /\.json$/i.test(fileName);
  let parsed;
  try {
    parsed = isJson ? JSON.parse(text) : load(text);
  } catch (err) {
    const where = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}: ` : jsonPosition(text, err.message);
    throw new RequestFileError(`${fileName}: ${where}${err.reason || err.message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new RequestFileError(`${fileName}: a request file holds one mapping (instrument_id, timeframe, ...)`);
  }
  return parsed;
}

function csvCell(value) {
  const text = value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

// One column per parameter, named as the CLI's --csv names them: `<indicator_id>.<name>` for inputs,
// params and signal params, then sl_pct and tp_pct (blank = that stop off).
function parameterColumns(payload) {
  const columns = {};
  for (const selection of payload.indicator_selections || []) {
    const signals = (payload.signal_params || {})[selection.indicator_id] || {};
    for (const [name, value] of Object.entries({ ...selection.inputs, ...selection.params, ...signals })) {
      columns[`${selection.indicator_id}.${name}`] = value;
    }
  }
  columns.sl_pct = payload.risk_params?.sl_pct ?? null;
  columns.tp_pct = payload.risk_params?.tp_pct ?? null;
  return columns;
}

// The row's neighbourhood stability and out-of-sample metrics as flat `stability_*` / `oos_*`
// columns, named as the CLI names them (none when the search computed neither).
function validationColumns(row) {
  const columns = {};
  for (const [name, value] of Object.entries(row.stability || {})) columns[`stability_${name}`] = value;
  for (const [name, value] of Object.entries(row.oos_metrics || {})) columns[`oos_${name}`] = value;
  return columns;
}

// rank, variant_key, the ranking metrics, the same-outcome count (when the search collapsed), the
// validation figures, one column per parameter, then the payload as JSON: the CLI's --csv columns.
export function rankedRowsToCsv(rows) {
  const metrics = Object.keys(rows[0]?.ranking_metrics || {});
  const groups = rows[0]?.same_outcome ? ["same_outcome_count"] : [];
  const validation = rows.map(validationColumns);
  const extra = Object.keys(validation[0] || {});
  const parameters = rows.map((row) => parameterColumns(row.payload || {}));
  const names = [...new Set(parameters.flatMap((columns) => Object.keys(columns)))];
  const header = ["rank", "variant_index", "variant_key", ...metrics, ...groups, ...extra, ...names, "payload"];
  const lines = rows.map((row, i) => [
    row.rank, row.variant_index, row.variant_key, ...metrics.map((m) => row.ranking_metrics[m]),
    ...groups.map(() => row.same_outcome?.count), ...extra.map((name) => validation[i][name]),
    ...names.map((name) => parameters[i][name]), row.payload,
  ]);
  return [header, ...lines].map((line) => line.map(csvCell).join(",")).join("\n") + "\n";
}

export function downloadText(fileName, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

// The single-variant request `trading backtest report FILE` re-runs.
export function variantRequest(runContext, payload) {
  return { ...runContext, variant: payload };
}
