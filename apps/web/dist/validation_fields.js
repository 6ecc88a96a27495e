// The search form's validation fields (Advanced): none, a holdout split (last fraction of the range
// out of sample) or walk-forward folds. Read into the request's `validation` and filled back from one.

const MODES = ["holdout", "walk_forward"];

function number(input) {
  return input.value === "" ? undefined : Number(input.value);
}

function controls(form) {
  const pick = (id) => form.querySelector(`#${id}`);
  return {
    mode: pick("validation-mode"),
    oosFraction: pick("oos-fraction"),
    folds: pick("wf-folds"),
    train: pick("wf-train"),
    test: pick("wf-test"),
    anchored: pick("wf-anchored"),
  };
}

// Shows only the fields of the chosen mode.
export function installValidationFields(form) {
  const c = controls(form);
  const sync = () => {
    for (const node of form.querySelectorAll("[data-validation-mode]")) node.hidden = node.dataset.validationMode !== c.mode.value;
  };
  c.mode.addEventListener("change", sync);
  sync();
  return sync;
}

// Train/test below 1 are fractions of the range's bars, otherwise whole bars (as the API reads them).
export function readValidation(form) {
  const c = controls(form);
  if (c.mode.value === "holdout") {
    // A request filled from a file or a job may split at a date; it is kept until a fraction is typed.
    const oosStart = c.oosFraction.value === "" ? c.mode.dataset.oosStart : undefined;
    return oosStart ? { mode: "holdout", oos_start: oosStart } : { mode: "holdout", oos_fraction: number(c.oosFraction) };
  }
  if (c.mode.value === "walk_forward") {
    return { mode: "walk_forward", folds: number(c.folds), train: number(c.train), test: number(c.test), anchored: c.anchored.checked };
  }
  return null;
}

export function fillValidation(form, validation) {
  const c = controls(form);
  c.mode.value = validation && MODES.includes(validation.mode) ? validation.mode : "";
  const holdout = validation && validation.mode === "holdout";
  c.mode.dataset.oosStart = holdout && validation.oos_start ? validation.oos_start : "";
  if (holdout) c.oosFraction.value = validation.oos_fraction ?? "";
  if (validation && validation.mode === "walk_forward") {
    c.folds.value = validation.folds ?? "";
    c.train.value = validation.train ?? "";
    c.test.value = validation.test ?? "";
    c.anchored.checked = Boolean(validation.anchored);
  }
  c.mode.dispatchEvent(new Event("change"));
}
