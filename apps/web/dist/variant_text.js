// A variant in words (its parameters, not its hash): the ranked table rows, the report header and
// the compare view all describe variants the same way.

function formatValue(value) {
  return typeof value === "number" ? String(Number(value.toPrecision(6))) : String(value);
}

function describeAssignments(values) {
  return Object.entries(values || {})
    .map(([name, value]) => `${name}=${formatValue(value)}`)
    .join(", ");
}

function describeRisk(risk) {
  const stop = (label, value) => `${label} ${value === null || value === undefined ? "off" : `${formatValue(value)}%`}`;
  return `${stop("SL", risk && risk.sl_pct)} · ${stop("TP", risk && risk.tp_pct)}`;
}

// One line per indicator ("sma(source=close, window=20) | long_threshold=30", "fast=ma.sma(...)" for
// an aliased instance), one per cross rule ("fast crosses slow"), then the stops.
export function describeVariant(payload) {
  if (!payload) return [];
  const signals = payload.signal_params || {};
  const lines = (payload.indicator_selections || []).map((selection) => {
    const params = describeAssignments({ ...selection.inputs, ...selection.params });
    const signal = describeAssignments(signals[selection.alias || selection.indicator_id]);
    const name = selection.alias ? `${selection.alias}=` : "";
    return `${name}${selection.indicator_id}(${params})${signal ? ` | ${signal}` : ""}`;
  });
  for (const rule of payload.rules || []) lines.push(`${rule.first} crosses ${rule.second}`);
  lines.push(describeRisk(payload.risk_params));
  return lines;
}
