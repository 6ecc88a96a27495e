// The ranked variants table used by the sync page and the job page: rank, ranking metrics, key
// parameters and a per-row "Load report" button. Clicking a header re-orders the rows on screen only;
// the ranking itself (and the rank column) always comes from the server.

import { el, setChildren } from "./dom.js";
import { RANKING_METRIC_LABELS, formatNumber, metricLabel } from "./format.js";
import { validationColumns } from "./validation_columns.js";
import { sameOutcomeNote } from "./same_outcome.js";
import { describeVariant } from "./variant_text.js";

const METRIC_NAMES = Object.keys(RANKING_METRIC_LABELS);

function metricColumns(ranking) {
  const first = [ranking.primary_metric, ranking.secondary_metric].filter(Boolean);
  return [...first, ...METRIC_NAMES.filter((name) => !first.includes(name))];
}

function compareNullable(a, b, direction) {
  const missingA = a === null || a === undefined;
  const missingB = b === null || b === undefined;
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
  return direction * (a < b ? -1 : a > b ? 1 : 0);
}

export class RankedTable {
  // `onLoadReport(row, button)` is called when a row's report button is clicked; `onSelect(rows)` when
  // the rows ticked for comparison change.
  constructor(container, onLoadReport, onSelect = () => {}) {
    this.container = container;
    this.onLoadReport = onLoadReport;
    this.onSelect = onSelect;
    this.selected = new Set();
    this.rows = [];
    this.ranking = { primary_metric: "total_return_pct", secondary_metric: null };
    this.sort = null;
    this.signature = null;
    this.extraColumns = [];
  }

  // Polling hands the same rows again and again; re-rendering them would reset the scroll position.
  setRows(rows, ranking) {
    const signature = JSON.stringify([ranking, (rows || []).map((row) => [row.variant_key, row.ranking_metrics, row.oos_metrics, row.same_outcome])]);
    if (signature === this.signature) return;
    this.signature = signature;
    if (ranking && JSON.stringify(ranking) !== JSON.stringify(this.ranking)) this.sort = null;
    if (ranking) this.ranking = ranking;
    this.rows = rows || [];
    this.extraColumns = validationColumns(this.rows);
    const keys = new Set(this.rows.map((row) => row.variant_key));
    this.selected = new Set([...this.selected].filter((key) => keys.has(key)));
    this.render();
    this.onSelect(this.selectedRows());
  }

  toggleSort(column) {
    const same = this.sort && this.sort.column === column;
    this.sort = { column, direction: same ? -this.sort.direction : column === "rank" ? 1 : -1 };
    this.render();
  }

  sortedRows() {
    if (!this.sort) return this.rows;
    const { column, direction } = this.sort;
    const extra = this.extraColumns.find((candidate) => candidate.id === column);
    const value = (row) => (column === "rank" ? row.rank : extra ? extra.value(row) : (row.ranking_metrics || {})[column]);
    return [...this.rows].sort((a, b) => compareNullable(value(a), value(b), direction) || a.rank - b.rank);
  }

  header(column, label, extraClass) {
    const sorted = this.sort && this.sort.column === column;
    const arrow = sorted ? (this.sort.direction > 0 ? " ▲" : " ▼") : "";
    return el(
      "th",
      { scope: "col", class: `sortable ${extraClass || ""}`, "aria-sort": sorted ? (this.sort.direction > 0 ? "ascending" : "descending") : null },
      el("button", { type: "button", class: "link-button", dataset: { sortColumn: column }, onclick: () => this.toggleSort(column) }, label + arrow),
    );
  }

  reportButton(row) {
    const onclick = (event) => this.onLoadReport(row, event.currentTarget);
    return el("button", { type: "button", class: "secondary small load-report", onclick }, "Load report");
  }

  selectedRows() {
    return this.rows.filter((row) => this.selected.has(row.variant_key));
  }

  selectBox(row) {
    const onchange = (event) => {
      if (event.currentTarget.checked) this.selected.add(row.variant_key);
      else this.selected.delete(row.variant_key);
      this.onSelect(this.selectedRows());
    };
    return el("label", { class: "compare-pick" },
      el("input", { type: "checkbox", class: "compare-check", checked: this.selected.has(row.variant_key), onchange }), " compare");
  }

  render() {
    if (!this.rows.length) {
      setChildren(this.container, el("p", { class: "muted" }, "No variants yet."));
      return;
    }
    const metrics = metricColumns(this.ranking);
    const rankedBy = (name) => (name === this.ranking.primary_metric ? "primary" : name === this.ranking.secondary_metric ? "secondary" : null);
    const head = el(
      "tr",
      {},
      this.header("rank", "Rank", "num"),
      el("th", { scope: "col" }, "Report"),
      metrics.map((name) => {
        const label = metricLabel(name) + (rankedBy(name) === "primary" ? " ★" : "");
        return this.header(name, label, `num ${rankedBy(name) ? "ranked" : ""}`);
      }),
      this.extraColumns.map((column) => this.header(column.id, column.label, `num ${column.kind}`)),
      el("th", { scope: "col" }, "Parameters"),
    );
    const body = this.sortedRows().map((row) =>
      el(
        "tr",
        { dataset: { variantKey: row.variant_key, rank: row.rank } },
        el("td", { class: "num rank" }, row.rank),
        el("td", {}, this.reportButton(row), this.selectBox(row)),
        metrics.map((name) =>
          el("td", { class: `num ${rankedBy(name) ? "ranked" : ""}`, dataset: { metric: name } }, formatNumber((row.ranking_metrics || {})[name], name === "num_trades" ? 0 : 2)),
        ),
        this.extraColumns.map((column) => el("td", { class: `num ${column.kind}`, dataset: { column: column.id } },
          formatNumber(column.value(row), column.id === "stability.neighbours" ? 0 : 2))),
        el("td", { class: "params" }, describeVariant(row.payload).map((line) => el("div", {}, line)), sameOutcomeNote(row)),
      ),
    );
    const note = this.sort ? el("p", { class: "hint" }, "View sorted on screen; the rank column is the server's ranking.") : null;
    const table = el("table", { class: "data-table ranked-table" }, el("thead", {}, head), el("tbody", {}, body));
    setChildren(this.container, note, el("div", { class: "table-scroll tall" }, table));
  }
}
