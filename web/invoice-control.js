// Invoice control on the page (docs/invoice-control-page.md): the company admin's payroll
// summary and payroll files (F7, F9: "Fakturakontroll"), and every user's own lines, private
// or work (F8, C7: "Privat eller jobb"). The API's contract is docs/invoice-control.md.
import { api, ApiError } from "./api.js";
import { getLang, localTime, t } from "./i18n.js";

const $ = (sel, root = document) => root.querySelector(sel);
let h = null; // app.js's element builder and money formatter (wireInvoiceControl)
let kroner = null;

// A newer load of a view wins: an older answer arriving late is dropped.
const seq = { payroll: 0, myuse: 0, employee: 0 };
const SYSTEMS = ["visma", "huldt_lillevik", "sap"];
const MONTH_KEYS = ["private_ore", "work_ore", "benefit_flat_ore", "benefit_content_ore", "deduction_ore"];
const YEAR_KEYS = ["benefit_ore", "deduction_ore"];

/** YYYY-MM of now in Europe/Oslo, `back` months earlier. */
export function osloMonth(back = 0) {
  const [y, m] = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Oslo", year: "numeric", month: "2-digit" })
    .format(new Date()).split("-").map(Number);
  const total = y * 12 + (m - 1) - back;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, "0")}`;
}

const money = (ore) => `${kroner(ore)} kr`;

function moneyCell(ore, key, tag = "td") {
  return h(tag, { class: "number", dataset: { key, ore: ore ?? 0 } }, kroner(ore));
}

/** An API error as a message in the view: the known codes in words, with the problems listed. */
function showError(target, err, names = {}) {
  const body = (err instanceof ApiError && err.body) || {};
  const code = body.error || "";
  const known = `ic.err.${code}`;
  const text = code && t(known) !== known ? t(known) : t("error", { message: err.message });
  const problems = (body.problems || []).map((p) => {
    const emp = /^employees\.([^.]+)\.payroll_number$/.exec(p.path || "");
    return h("li", {}, emp ? t("ic.err.nonumber", { name: names[emp[1]] || emp[1], id: emp[1] }) : `${p.path}: ${p.message}`);
  });
  target.replaceChildren(h("p", { class: "error", dataset: { code, status: err.status ?? "" } },
    h("span", { "aria-hidden": "true" }, "⚠ "), text),
  problems.length ? h("ul", { class: "error problems" }, ...problems) : null);
}

function clearMessage(target) {
  target.replaceChildren();
}

export function wireInvoiceControl(helpers) {
  ({ h, kroner } = helpers);
  $("#payroll-form").addEventListener("submit", (e) => {
    e.preventDefault();
    loadPayroll();
  });
  $("#payroll-month").addEventListener("change", () => $("#payroll-month").value && loadPayroll());
  $("#export-form").addEventListener("submit", (e) => {
    e.preventDefault();
    makeExport();
  });
  $("#myuse-form").addEventListener("submit", (e) => {
    e.preventDefault();
    loadMyUse();
  });
  $("#myuse-month").addEventListener("change", () => $("#myuse-month").value && loadMyUse());
}

// ---------------------------------------------------------------- Fakturakontroll (F7, F9)
const payroll = { summary: null, names: {}, systemSet: false };

export async function loadPayroll() {
  const input = $("#payroll-month");
  if (!input.value) input.value = osloMonth(1); // the month to pay: last month
  const month = input.value;
  const mine = ++seq.payroll;
  const body = $("#payroll-body");
  clearMessage($("#payroll-message"));
  body.replaceChildren(h("p", { class: "muted" }, t("loading")));
  if (!payroll.systemSet) defaultSystem();
  try {
    const summary = await api(`/admin/payroll/summary?month=${encodeURIComponent(month)}`);
    if (mine !== seq.payroll) return;
    payroll.summary = summary;
    payroll.names = Object.fromEntries((summary.employees || []).map((e) => [e.employee_id, e.name]));
    body.replaceChildren(summaryTable(summary));
    $("#export-list").replaceChildren(exportList(summary.exports || []));
    if ($("#export-result").dataset.month !== month) $("#export-result").replaceChildren();
    const open = $("#payroll-employee");
    if (!open.hidden && open.dataset.employeeId) openEmployee(open.dataset.employeeId);
  } catch (err) {
    if (mine !== seq.payroll) return;
    body.replaceChildren();
    $("#export-list").replaceChildren();
    showError($("#payroll-message"), err);
  }
}

/** The system select starts at the company's own payroll system (its settings in force). */
async function defaultSystem() {
  payroll.systemSet = true;
  try {
    const settings = await api("/admin/invoice-control/settings");
    const system = settings && settings.current && settings.current.payroll && settings.current.payroll.system;
    if (SYSTEMS.includes(system)) $("#export-system").value = system;
  } catch {
    payroll.systemSet = false; // try again on the next load; Visma meanwhile
  }
}

function summaryTable(summary) {
  const rows = summary.employees || [];
  if (!rows.length) return h("p", { class: "muted", id: "payroll-empty" }, t("ic.noemployees", { month: summary.month }));
  const ytdTotals = Object.fromEntries(YEAR_KEYS.map((k) => [k, rows.reduce((s, r) => s + ((r.year_to_date || {})[k] || 0), 0)]));
  const heads = ["ic.name", "ic.number", "ic.private", "ic.work", "ic.flat", "ic.content", "ic.deduction", "ic.benefitytd", "ic.deductionytd"];
  return h("table", { class: "grid money-table", id: "payroll-table" },
    h("caption", {}, t("ic.summarycaption", { month: summary.month })),
    h("thead", {}, h("tr", {}, ...heads.map((k, i) => h("th", { scope: "col", class: i > 1 ? "number" : null }, t(k))))),
    h("tbody", {}, ...rows.map((r) => h("tr", { dataset: { employeeId: r.employee_id } },
      h("th", { scope: "row" }, h("button", {
        type: "button", class: "link", id: `payroll-open-${r.employee_id}`, "aria-controls": "payroll-employee",
        "aria-label": t("ic.openemployee", { name: r.name || r.employee_id }), onclick: () => openEmployee(r.employee_id),
      }, r.name || r.employee_id)),
      h("td", { dataset: { key: "payroll_number" } }, r.payroll_number || h("span", { class: "warn" }, t("ic.nonumber"))),
      ...MONTH_KEYS.map((k) => moneyCell((r.month_figures || {})[k], k)),
      ...YEAR_KEYS.map((k) => moneyCell((r.year_to_date || {})[k], `ytd_${k}`))))),
    h("tfoot", {}, h("tr", { class: "totals" },
      h("th", { scope: "row", colspan: 2 }, t("ic.totals")),
      ...MONTH_KEYS.map((k) => moneyCell((summary.totals || {})[k], k)),
      ...YEAR_KEYS.map((k) => moneyCell(ytdTotals[k], `ytd_${k}`)))));
}

/** One employee's months of the year (GET /admin/invoice-control/employees/{id}), below the table. */
async function openEmployee(employeeId) {
  const month = $("#payroll-month").value;
  const panel = $("#payroll-employee");
  const mine = ++seq.employee;
  panel.hidden = false;
  panel.dataset.employeeId = employeeId;
  $("#h-payroll-employee").textContent = t("ic.employeemonths", { name: payroll.names[employeeId] || employeeId, year: month.slice(0, 4) });
  $("#payroll-employee-body").replaceChildren(h("p", { class: "muted" }, t("loading")));
  $("#h-payroll-employee").focus();
  try {
    const fig = await api(`/admin/invoice-control/employees/${encodeURIComponent(employeeId)}?month=${encodeURIComponent(month)}`);
    if (mine !== seq.employee) return;
    const keys = [...MONTH_KEYS];
    const policy = fig.policy ? h("p", { id: "payroll-employee-policy" }, policyText(fig.policy)) : null;
    $("#payroll-employee-body").replaceChildren(policy,
      h("table", { class: "grid money-table", id: "payroll-employee-table" },
        h("caption", { class: "sr-only" }, $("#h-payroll-employee").textContent),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("costs.month")), ...["ic.private", "ic.work", "ic.flat", "ic.content", "ic.deduction"].map((k) => h("th", { scope: "col", class: "number" }, t(k))))),
        h("tbody", {}, ...(fig.months || []).map((m) => h("tr", { dataset: { month: m.month } },
          h("th", { scope: "row" }, m.month), ...keys.map((k) => moneyCell(m[k], k))))),
        h("tfoot", {}, h("tr", { class: "totals" }, h("th", { scope: "row" }, t("ic.ytd")),
          ...keys.map((k) => moneyCell((fig.year_to_date || {})[k], k))))));
  } catch (err) {
    if (mine !== seq.employee) return;
    $("#payroll-employee-body").replaceChildren();
    showError($("#payroll-employee-body"), err);
  }
}

function policyText(policy) {
  return t("ic.policy", {
    name: policy.name,
    treatment: t(`ic.treatment.${policy.treatment}`),
    cover: t(policy.covers_content ? "ic.covers" : "ic.nocover"),
  });
}

async function makeExport() {
  const month = $("#payroll-month").value;
  const system = $("#export-system").value;
  const result = $("#export-result");
  clearMessage($("#payroll-message"));
  result.replaceChildren(h("p", { class: "muted" }, t("loading")));
  try {
    const made = await api("/admin/payroll/exports", { method: "POST", body: { month, system } });
    result.dataset.month = month;
    result.replaceChildren(exportResult(made));
    refreshExports(month);
  } catch (err) {
    result.replaceChildren();
    showError($("#payroll-message"), err, payroll.names);
  }
}

function exportResult(e) {
  const totals = e.totals || {};
  return h("div", { id: "export-made", class: "result", dataset: { exportId: e.export_id } },
    h("dl", { class: "money" },
      h("dt", {}, t("ic.filename")), h("dd", { id: "export-file" }, e.file_name),
      h("dt", {}, t("ic.entries")), h("dd", { id: "export-entries" }, String(e.entries)),
      ...["benefit_flat", "benefit_content", "deduction"].flatMap((k) => [
        h("dt", {}, t(`ic.total.${k}`)), h("dd", { dataset: { key: k, ore: totals[k] || 0 } }, money(totals[k])),
      ]),
      h("dt", {}, t("ic.status")), h("dd", { id: "export-status" }, statusBadge(e.status))),
    h("p", {},
      h("a", { href: e.download_url, download: e.file_name, id: "export-download" }, t("ic.download", { file: e.file_name })), " ",
      e.status === "sent" ? null : h("button", { type: "button", id: "export-sent", onclick: () => markSent(e.export_id) }, t("ic.marksent"))));
}

function statusBadge(status) {
  return h("span", { class: `inv inv-${status === "sent" ? "paid" : "open"}`, dataset: { status } },
    h("span", { "aria-hidden": "true" }, status === "sent" ? "✔ " : "○ "), t(`ic.status.${status}`));
}

async function refreshExports(month) {
  try {
    const summary = await api(`/admin/payroll/summary?month=${encodeURIComponent(month)}`);
    if ($("#payroll-month").value === month) $("#export-list").replaceChildren(exportList(summary.exports || []));
  } catch {
    /* the list catches up on the next load */
  }
}

function exportList(exports) {
  if (!exports.length) return h("p", { class: "muted", id: "export-none" }, t("ic.noexports"));
  const anySent = exports.some((e) => e.status === "sent");
  return h("table", { class: "grid", id: "export-table" },
    h("caption", { class: "sr-only" }, t("ic.exports")),
    h("thead", {}, h("tr", {}, ...["ic.system", "ic.filename", "ic.entries", "ic.status", "ic.made", ""].map((k) => h("th", { scope: "col" }, k ? t(k) : h("span", { class: "sr-only" }, t("ic.actions")))))),
    h("tbody", {}, ...exports.map((e) => h("tr", { dataset: { exportId: e.export_id, status: e.status } },
      h("th", { scope: "row" }, t(`ic.system.${e.system}`)),
      h("td", {}, e.file_name),
      h("td", { class: "number" }, String(e.entries)),
      h("td", {}, statusBadge(e.status), e.sent_at ? ` ${localTime(e.sent_at, true)}` : ""),
      h("td", {}, e.created_at ? localTime(e.created_at, true) : ""),
      h("td", {},
        h("button", { type: "button", class: "link", "aria-label": t("ic.downloadof", { file: e.file_name }), onclick: () => download(e.export_id) }, t("ic.downloadshort")), " ",
        anySent ? null : h("button", { type: "button", "aria-label": t("ic.marksentof", { file: e.file_name }), onclick: () => markSent(e.export_id) }, t("ic.marksent")))))));
}

/** The list has no links of its own (they expire after 15 min): ask for a fresh one. */
async function download(exportId) {
  try {
    const e = await api(`/admin/payroll/exports/${encodeURIComponent(exportId)}`);
    window.location.assign(e.download_url);
  } catch (err) {
    showError($("#payroll-message"), err);
  }
}

async function markSent(exportId) {
  if (!window.confirm(t("ic.confirmsent", { id: exportId }))) return;
  clearMessage($("#payroll-message"));
  try {
    const sent = await api(`/admin/payroll/exports/${encodeURIComponent(exportId)}/sent`, { method: "POST" });
    $("#export-result").dataset.month = sent.month;
    $("#export-result").replaceChildren(exportResult(sent));
    refreshExports(sent.month);
  } catch (err) {
    showError($("#payroll-message"), err);
  }
}

// ---------------------------------------------------------------- Privat eller jobb (F8, C7)
export async function loadMyUse(focusLine = null) {
  const input = $("#myuse-month");
  if (!input.value) input.value = osloMonth(0);
  const month = input.value;
  const mine = ++seq.myuse;
  const body = $("#myuse-body");
  if (!focusLine) clearMessage($("#myuse-message"));
  if (!body.childElementCount) body.replaceChildren(h("p", { class: "muted" }, t("loading")));
  try {
    const data = await api(`/me/invoice-control?month=${encodeURIComponent(month)}`);
    if (mine !== seq.myuse) return;
    body.replaceChildren(...myUseView(data));
    if (focusLine) {
      const again = [...body.querySelectorAll("select.use")].find((s) => s.dataset.lineId === focusLine);
      if (again) again.focus();
    }
  } catch (err) {
    if (mine !== seq.myuse) return;
    body.replaceChildren();
    showError($("#myuse-message"), err);
  }
}

function deadlineText(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(getLang() === "en" ? "en-GB" : "nb-NO", {
    timeZone: "Europe/Oslo", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

function myUseView(data) {
  const month = data.month_figures || {};
  const ytd = data.year_to_date || {};
  const open = data.reporting === "open";
  const figures = h("dl", { class: "money", id: "myuse-figures" },
    h("dt", {}, t("ic.myprivate", { month: data.month })), h("dd", { id: "myuse-private", dataset: { ore: month.private_ore ?? 0 } }, money(month.private_ore)),
    h("dt", {}, t("ic.mywork", { month: data.month })), h("dd", { id: "myuse-work", dataset: { ore: month.work_ore ?? 0 } }, money(month.work_ore)),
    h("dt", {}, t("ic.benefitytd")), h("dd", { id: "myuse-benefit", dataset: { ore: ytd.benefit_ore ?? 0 } }, money(ytd.benefit_ore)),
    h("dt", {}, t("ic.deductionytd")), h("dd", { id: "myuse-deduction", dataset: { ore: ytd.deduction_ore ?? 0 } }, money(ytd.deduction_ore)));
  const policy = h("p", { id: "myuse-policy" }, data.policy ? policyText(data.policy) : t("ic.nopolicy"));
  const state = h("p", { id: "myuse-deadline", dataset: { reporting: data.reporting } },
    h("span", { class: `badge badge-${open ? "green" : "red"}` }, h("span", { "aria-hidden": "true" }, open ? "● " : "■ "), t(open ? "ic.open" : "ic.closed")), " ",
    t(open ? "ic.deadlineopen" : "ic.deadlineclosed", { deadline: deadlineText(data.deadline) }));
  const lines = data.lines || [];
  const heads = ["ic.time", "ic.kind", "ic.where", "ic.amount", "ic.use", "ic.why"];
  const table = lines.length
    ? h("table", { class: "grid money-table", id: "myuse-table" },
      h("caption", {}, t("ic.mylines", { month: data.month })),
      h("thead", {}, h("tr", {}, ...heads.map((k) => h("th", { scope: "col", class: k === "ic.amount" ? "number" : null }, t(k))))),
      h("tbody", {}, ...lines.map((line) => lineRow(line, open))))
    : h("p", { class: "muted", id: "myuse-table" }, t("ic.nolines", { month: data.month }));
  return [policy, figures, state, table];
}

function lineRow(line, open) {
  const id = `use-${line.line_id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const where = line.destination || line.merchant || line.item || line.country || "";
  const label = t("ic.uselabel", { kind: t(`kind.${line.kind}`), when: line.started_at ? localTime(line.started_at, true) : line.month, where });
  let use;
  if (line.reportable) {
    const select = h("select", {
      id, class: "use", "aria-label": label, dataset: { lineId: line.line_id },
      disabled: !open, "aria-describedby": open ? null : "myuse-deadline",
      onchange: (e) => report(line, e.target.value),
    }, ...["work", "private"].map((u) => h("option", { value: u, selected: line.effective_use === u }, t(`ic.use.${u}`))));
    select.value = line.effective_use;
    use = select;
  } else {
    use = h("span", {}, t(`ic.use.${line.effective_use}`), h("span", { class: "muted small" }, ` (${t("ic.notreportable")})`));
  }
  const why = line.decided_by === "employee_report" ? t("ic.rule.employee_report") : ruleText(line.decided_by);
  return h("tr", { dataset: { lineId: line.line_id, use: line.effective_use } },
    h("td", {}, line.started_at ? h("time", { datetime: line.started_at }, localTime(line.started_at, true)) : line.month),
    h("td", {}, t(`kind.${line.kind}`)),
    h("td", {}, where),
    moneyCell(line.amount_incl_mva_ore, "amount_incl_mva_ore"),
    h("td", { class: `use-${line.effective_use}` }, use),
    h("td", { dataset: { rule: line.decided_by } }, why));
}

function ruleText(rule) {
  const key = `ic.rule.${rule}`;
  return t(key) !== key ? t(key) : rule;
}

async function report(line, use) {
  const month = $("#myuse-month").value;
  clearMessage($("#myuse-message"));
  try {
    await api(`/me/invoice-control/months/${encodeURIComponent(month)}/lines/${encodeURIComponent(line.line_id)}`, { method: "PUT", body: { use } });
    $("#myuse-status").textContent = t("ic.reported", { use: t(`ic.use.${use}`) });
  } catch (err) {
    showError($("#myuse-message"), err);
  }
  await loadMyUse(line.line_id); // the figures (and, after an error, the choice) as the API has them
}
