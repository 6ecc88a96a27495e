// The ranked table's validation columns, present only when the rows carry them: neighbourhood
// stability (the ranking metric's mean and worst over the variant's grid neighbours, and how many
// exist) and, after a holdout run, the same metric set out of sample. Each column is sortable.

import { RANKING_METRIC_LABELS, metricLabel } from "./format.js";

const STABILITY_COLUMNS = [
  ["mean", "Neighbours mean", "mean of the ranking metric over the variant's grid neighbours"],
  ["worst", "Neighbours worst", "worst neighbour value in the ranking metric's direction"],
  ["neighbours", "Neighbours", "how many grid neighbours exist (one step on each numeric axis)"],
];

// [{id, label, title, value(row)}] for the columns these rows can fill.
export function validationColumns(rows) {
  const columns = [];
  if (rows.some((row) => row.stability)) {
    for (const [field, label, title] of STABILITY_COLUMNS) {
      columns.push({ id: `stability.${field}`, label, title, kind: "stability", value: (row) => (row.stability || {})[field] ?? null });
    }
  }
  const oosNames = Object.keys(RANKING_METRIC_LABELS).filter((name) => rows.some((row) => row.oos_metrics && name in row.oos_metrics));
  for (const name of oosNames) {
    columns.push({
      id: `oos.${name}`, label: `OOS ${metricLabel(name)}`, title: "out of sample (holdout)", kind: "oos",
      value: (row) => (row.oos_metrics || {})[name] ?? null,
    });
  }
  return columns;
}
