// Reads the listing endpoints (instruments, indicators, runtime defaults, jobs) into the plain shapes
// the pages use, in one place, so a renamed field in the API means one edit here.

function toMs(value) {
  if (value === null || value === undefined) return null;
  const ms = typeof value === "number" ? value : Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function readInstruments(data) {
  return data.instruments.map((item) => ({
    id: item.instrument_id,
    firstMs: toMs(item.first_bar_at),
    lastMs: toMs(item.last_bar_at),
    bars: item.bars_1m ?? null,
    base: item.base_timeframe ?? "1m",
  }));
}

function readAxes(specs) {
  return (specs || []).map((spec) => ({
    name: spec.name,
    kind: spec.kind,
    min: spec.min ?? null,
    max: spec.max ?? null,
    choices: spec.choices || [],
    defaultAxis: spec.default ?? null,
  }));
}

export function readIndicators(data) {
  return data.indicators.map((item) => ({
    id: item.id,
    group: item.group || "",
    inputs: readAxes(item.inputs),
    params: readAxes(item.params),
    signals: readAxes(item.signal_params),
    ruleExplanation: item.signal_rule_explanation || "",
  }));
}

export function readRuntimeDefaults(data) {
  return {
    warmupBars: data.warmup_bars_default,
    topK: data.top_k_default,
    preselect: data.preselect_default,
    topTradesN: data.top_trades_n_default,
    primaryMetric: data.ranking.primary_metric_default,
    secondaryMetric: data.ranking.secondary_metric_default ?? null,
    allowedMetrics: data.ranking.allowed_metrics,
    constraintsDefault: data.ranking.constraints_default || [],
    collapseSameOutcome: data.ranking.collapse_same_outcome_default ?? true,
    constraintOps: data.ranking.constraint_ops || [">=", "<=", ">", "<"],
    maxConstraints: data.ranking.max_constraints ?? 8,
    execution: data.execution || {},
    jobsEnabled: data.jobs ? data.jobs.enabled : true,
  };
}

export function readJob(data) {
  return {
    id: data.job_id,
    state: data.state,
    stage: data.stage,
    processed: data.processed,
    total: data.total,
    createdAt: data.created_at,
    startedAt: data.started_at,
    finishedAt: data.finished_at,
    cancelRequestedAt: data.cancel_requested_at,
    error: data.error,
    runContext: data.run_context,
    summary: data.request_summary || {},
    request: data.request || null,
    overall: data.overall_progress ?? 0,
    stageWords: data.stage_words || data.stage || "",
    constraintRejections: data.constraint_rejections || [],
  };
}

export function readJobPage(data) {
  return { jobs: data.items.map(readJob), nextCursor: data.next_cursor };
}

export const TERMINAL_STATES = new Set(["succeeded", "failed", "cancelled"]);
