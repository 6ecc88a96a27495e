// The "Crossovers" part of the search form: cross rules between two aliased indicator instances
// ("fast" crosses "slow": LONG while fast is above slow, SHORT while below, from their first crossing)
// and param constraints such as fast.window < slow.window, which prune the pairs before the search
// runs (the preflight says how many are kept). Rows are rebuilt on add/remove so their field paths
// (rules.<i>.first, param_constraints.<i>.left) match the request the server validates.

import { el, option, setChildren } from "./dom.js";

const OPS = ["<", "<=", ">", ">="];

function textInput(path, name, label, value) {
  const input = el("input", { type: "text", name, value: value ?? "", placeholder: label, autocomplete: "off", "aria-label": label });
  return { input, element: el("label", { class: "field", dataset: { fieldPath: path } }, label, input) };
}

export class CrossRules {
  // Builds its own card right after `anchor` (the indicators card).
  constructor(anchor) {
    this.rules = [];
    this.constraints = [];
    this.list = el("div", { class: "cross-rule-list" });
    this.element = el(
      "section",
      { class: "card", id: "cross-rules", dataset: { fieldPath: "rules" } },
      el(
        "div",
        { class: "card-head" },
        el("h2", {}, "Crossovers"),
        el(
          "div",
          { class: "inline-controls" },
          el("button", { type: "button", class: "secondary", id: "add-cross-rule", onclick: () => this.edit(() => this.rules.push({ first: "", second: "" })) }, "Add cross rule"),
          el("button", { type: "button", class: "secondary", id: "add-param-constraint", onclick: () => this.edit(() => this.constraints.push({ left: "", op: "<", right: "" })) }, "Add constraint"),
        ),
      ),
      el("p", { class: "hint" }, "Name indicator instances with an alias (e.g. two ma.sma as fast and slow). A cross rule goes LONG when the first crosses above the second and SHORT when it crosses below; a constraint such as fast.window < slow.window drops pairs before the search."),
      this.list,
    );
    anchor.after(this.element);
    this.render();
  }

  edit(change) {
    this.capture();
    change();
    this.render();
  }

  capture() {
    this.rules = this.ruleRows.map((row) => ({ first: row.first.value.trim(), second: row.second.value.trim() }));
    this.constraints = this.constraintRows.map((row) => ({ left: row.left.value.trim(), op: row.op.value, right: row.right.value.trim() }));
  }

  render() {
    this.ruleRows = this.rules.map((rule, index) => {
      const first = textInput(`rules.${index}.first`, "rule-first", "First (crosses)", rule.first);
      const second = textInput(`rules.${index}.second`, "rule-second", "Second", rule.second);
      const remove = el("button", { type: "button", class: "secondary small", onclick: () => this.edit(() => this.rules.splice(index, 1)) }, "Remove");
      return { first: first.input, second: second.input, element: el("div", { class: "field-grid cross-rule", dataset: { fieldPath: `rules.${index}` } }, first.element, second.element, remove) };
    });
    this.constraintRows = this.constraints.map((constraint, index) => {
      const left = textInput(`param_constraints.${index}.left`, "constraint-left", "alias.param", constraint.left);
      const right = textInput(`param_constraints.${index}.right`, "constraint-right", "alias.param", constraint.right);
      const op = el("select", { name: "constraint-op", "aria-label": "Comparison" }, OPS.map((value) => option(value, value, value === constraint.op)));
      const opField = el("label", { class: "field", dataset: { fieldPath: `param_constraints.${index}.op` } }, "Op", op);
      const remove = el("button", { type: "button", class: "secondary small", onclick: () => this.edit(() => this.constraints.splice(index, 1)) }, "Remove");
      return { left: left.input, op, right: right.input, element: el("div", { class: "field-grid param-constraint", dataset: { fieldPath: `param_constraints.${index}` } }, left.element, opField, right.element, remove) };
    });
    setChildren(this.list, this.ruleRows.map((row) => row.element), this.constraintRows.map((row) => row.element));
    this.element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  fill(request) {
    this.rules = (request.rules || []).map((rule) => ({ first: rule.first, second: rule.second }));
    this.constraints = (request.param_constraints || []).map((c) => ({ left: c.left, op: c.op, right: c.right }));
    this.render();
  }

  // Request fields, present only when used (a request without them keeps its exact JSON).
  read() {
    this.capture();
    const body = {};
    if (this.rules.length) body.rules = this.rules.map((rule) => ({ type: "cross", ...rule }));
    if (this.constraints.length) body.param_constraints = this.constraints.map((c) => ({ ...c }));
    return body;
  }
}
