// The indicators part of the search form: add/remove indicator instances (one id may be added again
// under another alias), each with its compute and signal axes prefilled from the defaults. Cards are rebuilt on every add/remove so field paths
// (indicators.<i>.params.<name>) always match the request the server validates.

import { createAxisEditor } from "./axis_editor.js";
import { el, option, setChildren } from "./dom.js";

const SECTIONS = [
  ["inputs", "Inputs"],
  ["params", "Parameters"],
  ["signals", "Signal"],
];

// Ids such as "ma.sma" already name their group.
function indicatorLabel(indicator) {
  return !indicator.group || indicator.id.startsWith(`${indicator.group}.`) ? indicator.id : `${indicator.id} (${indicator.group})`;
}

function boundsHint(spec) {
  if (spec.kind === "choice") return spec.choices.join(" / ");
  if (spec.min === null && spec.max === null) return spec.kind;
  return `${spec.kind} ${spec.min ?? "…"}–${spec.max ?? "…"}`;
}

export class IndicatorList {
  constructor({ container, picker, addButton, catalogue }) {
    this.container = container;
    this.picker = picker;
    this.byId = new Map(catalogue.map((indicator) => [indicator.id, indicator]));
    this.entries = []; // {id, alias, axes: {section: {name: axisSpec}}} in form order
    this.cards = []; // {id, editors: [[section, name, editor]]}
    setChildren(picker, catalogue.map((indicator) => option(indicator.id, indicatorLabel(indicator))));
    addButton.addEventListener("click", () => this.add(picker.value));
  }

  add(indicatorId, axes = {}) {
    if (!this.byId.has(indicatorId)) return;
    this.capture();
    this.entries.push({ id: indicatorId, alias: "", axes });
    this.render();
  }

  // Replaces every card: [{id, alias, axes: {inputs, params, signals}}] (unknown ids are dropped).
  replace(entries) {
    this.entries = entries.filter((entry) => this.byId.has(entry.id));
    this.cards = [];
    this.render();
  }

  remove(index) {
    this.capture();
    this.entries.splice(index, 1);
    this.render();
  }

  // Keep what the user typed before cards are rebuilt.
  capture() {
    this.cards.forEach((card, index) => {
      const axes = {};
      for (const [section, name, editor] of card.editors) (axes[section] ||= {})[name] = editor.read();
      this.entries[index].axes = axes;
      this.entries[index].alias = card.alias.value.trim();
    });
  }

  render() {
    this.cards = this.entries.map((entry, index) => this.buildCard(entry, index));
    setChildren(this.container, this.cards.map((card) => card.element));
    this.container.dispatchEvent(new Event("change", { bubbles: true }));
  }

  buildCard(entry, index) {
    const indicator = this.byId.get(entry.id);
    const editors = [];
    const sections = SECTIONS.map(([section, title]) => {
      const specs = indicator[section];
      if (!specs.length) return null;
      const nodes = specs.map((spec) => {
        const saved = entry.axes[section] && entry.axes[section][spec.name];
        const editor = createAxisEditor({
          path: `indicators.${index}.${section}.${spec.name}`,
          name: spec.name,
          kind: spec.kind,
          hint: boundsHint(spec),
          initial: saved !== undefined ? saved : spec.defaultAxis ?? { mode: "explicit", values: [] },
        });
        editors.push([section, spec.name, editor]);
        return editor.element;
      });
      return el("div", { class: "axis-section" }, el("h4", {}, title), el("div", { class: "axis-list" }, nodes));
    });
    const alias = el("input", { type: "text", name: "alias", value: entry.alias ?? "", placeholder: "alias (e.g. fast)", autocomplete: "off", "aria-label": `Alias of ${entry.id}` });
    const element = el(
      "div",
      { class: "indicator-card", dataset: { fieldPath: `indicators.${index}`, indicatorId: entry.id } },
      el(
        "div",
        { class: "card-head" },
        el("h3", {}, indicatorLabel(indicator)),
        el("label", { class: "field alias-field", dataset: { fieldPath: `indicators.${index}.alias` } }, "Alias", alias),
        el("button", { type: "button", class: "secondary small", "aria-label": `Remove ${entry.id}`, onclick: () => this.remove(index) }, "Remove"),
      ),
      indicator.ruleExplanation ? el("p", { class: "rule-explanation hint" }, indicator.ruleExplanation) : null,
      sections,
    );
    return { id: entry.id, alias, element, editors };
  }

  // Request part: [{indicator_id, alias?, inputs, params, signals}] with every axis spelled out.
  read() {
    return this.cards.map((card) => {
      const item = { indicator_id: card.id, inputs: {}, params: {}, signals: {} };
      if (card.alias.value.trim()) item.alias = card.alias.value.trim();
      for (const [section, name, editor] of card.editors) {
        const axis = editor.read();
        if (axis !== undefined) item[section][name] = axis;
      }
      return item;
    });
  }
}
