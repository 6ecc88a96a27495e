// Display formatting shared by every page: metric names, numbers, times, byte sizes.

export const RANKING_METRIC_LABELS = {
  total_return_pct: "Total return %",
  max_drawdown_pct: "Max drawdown %",
  return_over_max_drawdown: "Return / max DD",
  profit_factor: "Profit factor",
  num_trades: "Trades",
  win_rate_pct: "Win rate %",
};

// The other ranking metrics: not default table columns, but named when a search ranks or constrains
// by one of them (or its out-of-sample twin is shown).
const OTHER_METRIC_LABELS = {
  avg_trade_pct: "Avg trade %",
  expectancy_pct: "Expectancy %",
  best_trade_pct: "Best trade %",
  worst_trade_pct: "Worst trade %",
  sqn: "SQN",
  sharpe_ratio: "Sharpe",
  sortino_ratio: "Sortino",
  calmar_ratio: "Calmar",
  position_coverage_pct: "Coverage %",
  max_drawdown_duration_bars: "Max DD bars",
};

export function metricLabel(name) {
  return RANKING_METRIC_LABELS[name] || OTHER_METRIC_LABELS[name] || name;
}

// "Total return %, then Max drawdown %" for a {primary_metric, secondary_metric} ranking.
export function describeRanking(ranking) {
  const secondary = ranking.secondary_metric ? `, then ${metricLabel(ranking.secondary_metric)}` : "";
  return `${metricLabel(ranking.primary_metric)}${secondary}`;
}

// The API sends non-finite metrics as null; the report table's own text says inf / n/a.
export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined || value === "") return "n/a";
  if (typeof value !== "number") return String(value);
  if (!Number.isFinite(value)) return value > 0 ? "inf" : value < 0 ? "-inf" : "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatCount(value) {
  return typeof value === "number" ? value.toLocaleString("en-US") : "–";
}

export function formatBytes(bytes) {
  if (typeof bytes !== "number") return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${size.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatDateTime(value) {
  const date = toDate(value);
  return date ? `${date.toISOString().slice(0, 16).replace("T", " ")} UTC` : "–";
}

export function shortKey(key) {
  return typeof key === "string" ? key.slice(0, 10) : "";
}
