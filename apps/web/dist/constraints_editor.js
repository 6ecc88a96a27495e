// Constraints on results, edited beside the ranking selects: rows of metric, comparison and bound
// (e.g. Trades >= 20) sent as the request's `constraints`; a variant outside any bound never enters
// the ranking. Metric ids, labels and units, the comparisons, the default list and the maximum length
// all come from GET /api/backtests/runtime-defaults. Rows are rebuilt on add/remove so their field
// paths (constraints.<i>.value) match the paths of the server's 422 details.

import { el, option, setChildren } from "./dom.js";
import { formatCount } from "./format.js";

const OP_TEXT = { ">=": "≥", "<=": "≤", ">": ">", "<": "<" };
const UNIT_TEXT = { percent: "%", ratio: "", count: "", bars: "bars" };

function boundOf(input) {
  const text = input.value.trim();
  const number = Number(text);
  // Anything else goes to the server as typed, so its error lands next to the field.
  return text !== "" && Number.isFinite(number) ? number : text;
}

function sameList(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class ConstraintsEditor {
  // `container` is filled with the rows and the add button; `defaults` is readRuntimeDefaults(...).
  constructor(container, defaults) {
    this.container = container;
    this.metrics = defaults.allowedMetrics;
    this.ops = defaults.constraintOps;
    this.max = defaults.maxConstraints;
    this.defaultList = defaults.constraintsDefault;
    this.items = this.defaultList.map((c) => ({ ...c }));
    this.list = el("div", { class: "constraint-list" });
    this.addButton = el(
      "button",
      { type: "button", class: "secondary small", id: "add-result-constraint", onclick: () => this.edit(() => this.items.push(this.blank())) },
      "Add constraint",
    );
    setChildren(
      container,
      el("p", { class: "hint" }, "Only variants within every bound are ranked, e.g. Trades ≥ 20 or Max drawdown % ≤ 25."),
      this.list,
      this.addButton,
    );
    this.render();
  }

  blank() {
    const trades = this.metrics.find((metric) => metric.id === "num_trades") || this.metrics[0];
    return { metric: trades.id, op: this.ops[0], value: "" };
  }

  edit(change) {
    this.capture();
    change();
    this.render();
  }

  capture() {
    this.items = this.rows.map((row) => ({ metric: row.metric.value, op: row.op.value, value: boundOf(row.value) }));
  }

  render() {
    this.rows = this.items.map((item, index) => {
      const path = `constraints.${index}`;
      const metric = el(
        "select",
        { name: "constraint-metric", "aria-label": "Metric" },
        this.metrics.map((m) => option(m.id, m.label || m.id, m.id === item.metric)),
      );
      const op = el("select", { name: "constraint-op-metric", "aria-label": "Comparison" }, this.ops.map((o) => option(o, OP_TEXT[o] || o, o === item.op)));
      const value = el("input", { type: "number", step: "any", name: "constraint-value", value: String(item.value ?? ""), "aria-label": "Bound" });
      const unit = el("span", { class: "muted constraint-unit" });
      const showUnit = () => {
        const chosen = this.metrics.find((m) => m.id === metric.value);
        unit.textContent = chosen ? UNIT_TEXT[chosen.unit] ?? "" : "";
      };
      metric.addEventListener("change", showUnit);
      showUnit();
      const remove = el("button", { type: "button", class: "secondary small", onclick: () => this.edit(() => this.items.splice(index, 1)) }, "Remove");
      const element = el(
        "div",
        { class: "field-grid result-constraint", dataset: { fieldPath: path } },
        el("label", { class: "field", dataset: { fieldPath: `${path}.metric` } }, "Metric", metric),
        el("label", { class: "field", dataset: { fieldPath: `${path}.op` } }, "Op", op),
        el("label", { class: "field", dataset: { fieldPath: `${path}.value` } }, "Bound", el("span", { class: "inline-controls" }, value, unit)),
        remove,
      );
      return { metric, op, value, element };
    });
    setChildren(this.list, this.rows.map((row) => row.element));
    this.addButton.disabled = this.items.length >= this.max;
    this.container.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // A request's list, or the server default when the request has none.
  fill(constraints) {
    this.items = (constraints ?? this.defaultList).map((c) => ({ metric: c.metric, op: c.op, value: c.value }));
    this.render();
  }

  // The request's `constraints`: left out when the list is the server default (so a request without
  // constraints keeps its exact JSON); an empty list is sent only to switch a non-empty default off.
  read() {
    this.capture();
    return sameList(this.items, this.defaultList) ? undefined : this.items;
  }
}

export function describeConstraint(constraint, metrics) {
  const metric = metrics.find((m) => m.id === constraint.metric);
  return `${metric ? metric.label : constraint.metric} ${OP_TEXT[constraint.op] || constraint.op} ${constraint.value}`;
}

// The response's (or job's) rejection counts under the ranked table; nothing without constraints.
export function showRejections(section, rejections, metrics) {
  let node = section.querySelector("[data-testid=constraint-rejections]");
  if (!node) {
    node = el("ul", { class: "constraint-rejections muted", "data-testid": "constraint-rejections" });
    section.querySelector(".card-head").after(node);
  }
  setChildren(
    node,
    (rejections || []).map((entry) =>
      el(
        "li",
        {},
        `${describeConstraint(entry.constraint, metrics)}: rejected ${formatCount(entry.stage_a)} in Stage A, ${formatCount(entry.stage_b)} in Stage B`,
      ),
    ),
  );
  node.hidden = !(rejections || []).length;
}
