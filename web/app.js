// The web switchboard (B1-B8): plain ES modules, no framework, no build step.
import {
  api, ApiError, cognitoCallback, cognitoLogin, LiveFeed, loadConfig, localLogin, localUsers, logout, onStepUp, restoreToken,
  state, stepUpLogin,
} from "./api.js";
import { duration, getLang, localTime, setLang, t, translatePage } from "./i18n.js";
import { loadMyUse, loadPayroll, wireInvoiceControl } from "./invoice-control.js";

const $ = (sel, root = document) => root.querySelector(sel);

/** A DOM element: h("button", {type: "button", onclick}, "text", child…). Text is never parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const app = {
  me: null,
  view: null,
  live: null, // the last GET /switchboard/live
  liveAt: 0, // Date.now() when it arrived
  known: new Set(), // call ids seen waiting (to announce new ones)
  alerted: new Set(),
  selectedCall: null, // {call_id, caller, caller_name}
  feed: null,
  smsRecipients: [],
  charts: [],
  costCharts: {}, // canvas id -> Chart (F1)
};

/** The role in the token (the API checks it; the page only chooses which views to offer). */
function roleOf() {
  try {
    return JSON.parse(atob(state.token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")))["custom:role"] || "";
  } catch {
    return "";
  }
}

/** A view is offered when its nav button names the role in data-roles (none: everyone). */
function allowed(view) {
  const button = document.querySelector(`button.nav[data-view="${view}"]`);
  if (!button) return false;
  const roles = button.dataset.roles;
  return !roles || roles.split(" ").includes(roleOf());
}

function flash(message, isError = false) {
  const el = $("#flash");
  el.textContent = message;
  el.classList.toggle("error", isError);
  el.hidden = !message;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => (el.hidden = true), 6000);
}

function announce(text) {
  const el = $("#announcer");
  el.append(h("p", {}, text));
  while (el.childElementCount > 5) el.firstElementChild.remove();
}

function failed(err) {
  flash(t("error", { message: err instanceof ApiError || err instanceof Error ? err.message : String(err) }), true);
}

// ---------------------------------------------------------------- start, login
async function start() {
  setLang(getLang());
  $("#lang").value = getLang();
  $("#lang").addEventListener("change", (e) => {
    setLang(e.target.value);
    render();
  });
  await loadConfig();
  try {
    if (state.config.auth === "cognito") await cognitoCallback();
  } catch (err) {
    failed(err);
  }
  window.addEventListener("skysentral:logout", showLogin);
  onStepUp(confirmStepUp);
  $("#logout").addEventListener("click", () => logout());
  if (restoreToken()) await enter();
  else await showLogin();
}

/**
 * F10: a 401 step_up_required. A modal dialog (focus kept inside, Esc cancels) asks the user to
 * confirm; true when they signed in again and the request may be retried (locally).
 */
function confirmStepUp() {
  const cognito = state.config.auth === "cognito";
  return new Promise((resolve) => {
    const error = h("p", { class: "error", role: "alert" });
    const dialog = h("dialog", { id: "step-up", "aria-labelledby": "step-up-title", "aria-describedby": "step-up-text" },
      h("h2", { id: "step-up-title" }, t("stepup.title")),
      h("p", { id: "step-up-text" }, t(cognito ? "stepup.cognito" : "stepup.local")),
      error,
      h("form", { method: "dialog" },
        h("button", { type: "submit", id: "step-up-confirm", value: "confirm" }, t(cognito ? "stepup.signin" : "stepup.confirm")), " ",
        h("button", { type: "submit", id: "step-up-cancel", value: "cancel" }, t("stepup.cancel"))));
    const finish = (ok) => {
      if (dialog.open) dialog.close(); // close() gives focus back to the button that asked; remove() alone did not
      dialog.remove();
      resolve(ok);
    };
    dialog.addEventListener("cancel", () => finish(false)); // Esc
    dialog.querySelector("form").addEventListener("submit", async (e) => {
      e.preventDefault();
      if (e.submitter && e.submitter.value !== "confirm") return finish(false);
      try {
        finish(await stepUpLogin());
      } catch (err) {
        error.textContent = t("error", { message: err.message });
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("#step-up-confirm").focus();
  });
}

async function showLogin() {
  if (app.feed) app.feed.stop();
  $("#app").hidden = true;
  $("#logout").hidden = true;
  $("#whoami").textContent = "";
  $("#login").hidden = false;
  const form = $("#login-form");
  const select = $("#login-user");
  if (state.config.auth === "cognito") {
    select.hidden = true;
    select.required = false; // a hidden required control would block the form
    $("label[for=login-user]").hidden = true;
    $("#login-submit").textContent = t("login.cognito");
    form.onsubmit = (e) => {
      e.preventDefault();
      cognitoLogin();
    };
    return;
  }
  try {
    const users = await localUsers();
    select.replaceChildren(...users.map((u) => h("option", { value: u.var }, u.label)));
    const agent = users.find((u) => u.var === "AGENT");
    if (agent) select.value = agent.var;
  } catch (err) {
    $("#login-error").textContent = t("error", { message: err.message });
  }
  form.onsubmit = async (e) => {
    e.preventDefault();
    try {
      await localLogin(select.value);
      await enter();
    } catch (err) {
      $("#login-error").textContent = t("error", { message: err.message });
    }
  };
  select.focus();
}

async function enter() {
  try {
    app.me = await api("/me");
  } catch (err) {
    if (err.status === 401) return showLogin();
    app.me = null;
  }
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#logout").hidden = false;
  $("#whoami").textContent = app.me ? `${app.me.name || app.me.email || ""}` : "";
  const admin = ["company_admin", "department_admin"].includes(roleOf());
  if (admin && !document.querySelector('button.nav[data-view="costs"]')) {
    // F1: administrators get Costs before My profile (the switchboard's own menu stays as it is)
    const profile = document.querySelector('button.nav[data-view="profile"]').closest("li");
    profile.before(h("li", {}, h("button", { type: "button", class: "nav", dataset: { view: "costs", roles: "company_admin department_admin", i18n: "nav.costs" } }, t("nav.costs"))));
  }
  if (roleOf() === "company_admin" && !document.querySelector('button.nav[data-view="payroll"]')) {
    // F6–F9: the payroll summary and files, after Costs (company administrators only)
    const profile = document.querySelector('button.nav[data-view="profile"]').closest("li");
    profile.before(h("li", {}, h("button", { type: "button", class: "nav", dataset: { view: "payroll", roles: "company_admin", i18n: "nav.payroll" } }, t("nav.payroll"))));
  }
  document.querySelectorAll("button.nav").forEach((b) => {
    b.closest("li").hidden = !allowed(b.dataset.view);
    if (!b.dataset.wired) b.addEventListener("click", () => show(b.dataset.view));
    b.dataset.wired = "true";
  });
  wireForms();
  app.feed = new LiveFeed({
    onView: (view) => {
      onLive(view);
    },
    onMessage: onPush,
    onMode: (mode) => {
      const el = $("#connection");
      el.textContent = t(`conn.${mode}`);
      el.dataset.mode = mode;
    },
    onError: (err) => {
      if (err.status !== 403) failed(err);
    },
  });
  if (allowed("live")) app.feed.start(); // the switchboard's live feed is for switchboard views only
  setInterval(tick, 1000);
  window.addEventListener("hashchange", () => location.hash.slice(1) !== app.view && show(location.hash.slice(1)));
  show(location.hash.slice(1) || firstView());
}

function firstView() {
  const first = [...document.querySelectorAll("button.nav")].find((b) => allowed(b.dataset.view));
  return first ? first.dataset.view : "profile";
}

function show(view) {
  if (!document.getElementById(`view-${view}`) || !allowed(view)) view = firstView();
  if (app.view !== view) $("#flash").hidden = true; // a message belongs to the view it came from
  app.view = view;
  document.querySelectorAll(".view").forEach((s) => (s.hidden = s.id !== `view-${view}`));
  document.querySelectorAll("button.nav").forEach((b) => {
    if (b.dataset.view === view) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  });
  history.replaceState(null, "", `#${view}`);
  const load = { directory: searchDirectory, sms: loadSms, stats: loadStats, profile: loadProfile, costs: loadCosts, payroll: loadPayroll, myuse: () => loadMyUse() }[view];
  if (load) load();
}

function render() {
  translatePage();
  if (app.live) renderLive();
  if (app.view && app.view !== "live") show(app.view);
}

// ---------------------------------------------------------------- live queues (B1, B3)
function colourOf(wait, thresholds) {
  const th = thresholds || {};
  if (wait >= (th.wait_alert_s ?? 90)) return "red";
  if (wait >= (th.wait_warning_s ?? 30)) return "yellow";
  return "green";
}

const ICONS = { green: "●", yellow: "▲", red: "■" };

function badge(colour) {
  return h("span", { class: `badge badge-${colour}`, dataset: { colour } }, h("span", { "aria-hidden": "true" }, ICONS[colour] || "●"), " ", t(`colour.${colour}`));
}

function onLive(view) {
  const fresh = [];
  for (const q of view.queues || []) {
    for (const c of q.waiting || []) {
      if (!app.known.has(c.call_id)) fresh.push([q, c]);
      app.known.add(c.call_id);
    }
    for (const a of q.alerts || []) {
      const key = `${a.call_id}#${q.queue_id}`;
      if (!app.alerted.has(key)) {
        app.alerted.add(key);
        const call = (q.waiting || []).find((c) => c.call_id === a.call_id) || {};
        $("#alert-announcer").textContent = t("live.alert", { caller: call.caller_name || call.caller || a.call_id, wait: duration(a.wait_s), queue: q.name });
      }
    }
  }
  if (app.live) for (const [q, c] of fresh) announce(t("live.newcall", { queue: q.name, caller: c.caller_name || c.caller }));
  // The rows are rebuilt only when something other than the ticking figures changed, so a
  // row the operator is about to click (or has focused) is not replaced under the pointer.
  const key = JSON.stringify(view, (k, v) => (k === "at" || k === "wait_s" || k === "hold_s" ? undefined : v));
  const same = key === app.liveKey;
  app.live = view;
  app.liveKey = key;
  app.liveAt = Date.now();
  if (same) refreshFigures(view);
  else renderLive();
}

/** The same calls as on screen: only their waits moved on; the rows stay. */
function refreshFigures(view) {
  for (const q of view.queues || []) {
    for (const c of q.waiting || []) {
      const row = document.querySelector(`tr.call[data-call-id="${CSS.escape(c.call_id)}"]`);
      if (row) row.dataset.wait = c.wait_s;
    }
  }
  for (const held of [...(view.on_hold || []), ...(view.queues || []).flatMap((q) => q.on_hold || [])]) {
    const row = document.querySelector(`tr.held[data-call-id="${CSS.escape(held.call_id)}"]`);
    if (row) row.dataset.hold = held.hold_s;
  }
  $("#live-at").textContent = localTime(view.at);
  $("#live-at").setAttribute("datetime", view.at || "");
  tick();
}

function onPush(msg) {
  if (msg.type === "alert" && msg.alert) {
    const a = msg.alert;
    $("#alert-announcer").textContent = t("live.alert", { caller: a.caller || a.call_id, wait: duration(a.wait_s), queue: a.queue_id });
  }
}

function renderLive() {
  const view = app.live;
  const focused = document.activeElement && document.activeElement.id;
  $("#live-at").textContent = localTime(view.at);
  $("#live-at").setAttribute("datetime", view.at || "");
  const sections = (view.queues || []).map(renderQueue);
  $("#queues").replaceChildren(...sections);
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  tick();
}

function renderQueue(q) {
  const counts = q.counts || {};
  const waiting = (q.waiting || []).map((c) =>
    h("tr", { class: "call", dataset: { callId: c.call_id, wait: c.wait_s, queue: q.queue_id } },
      h("td", {}, c.position ?? ""),
      h("th", { scope: "row" }, c.caller_name ? `${c.caller_name} ` : "", h("span", { class: "number" }, c.caller || ""),
        c.callback ? h("span", { class: "tag" }, ` ${t("live.callback")}`) : null,
        c.offered_to ? h("span", { class: "tag" }, ` ${t("live.offered", { who: c.offered_to })}`) : null),
      h("td", { class: "wait" }, duration(c.wait_s)),
      h("td", { class: "level" }, badge(c.colour || colourOf(c.wait_s, q.thresholds))),
      h("td", {}, h("button", { type: "button", id: `details-${c.call_id}`, class: "details", onclick: () => openCall(c, q) }, t("live.details"))),
    ));
  const held = (q.on_hold || []).map((c) =>
    h("tr", { class: "held", dataset: { callId: c.call_id, hold: c.hold_s } },
      h("th", { scope: "row" }, c.caller_name ? `${c.caller_name} ` : "", c.caller || ""),
      h("td", {}, agentName(c.held_by)),
      h("td", { class: "hold" }, duration(c.hold_s)),
      h("td", {},
        h("button", { type: "button", id: `pickup-${c.call_id}`, onclick: () => callAction(c.call_id, "pickup", {}) }, t("live.pickup")), " ",
        h("button", { type: "button", id: `held-details-${c.call_id}`, onclick: () => openCall(c, q) }, t("live.details"))),
    ));
  const agents = (q.agents || []).map((a) =>
    h("tr", { class: "agent", dataset: { employeeId: a.employee_id } },
      h("th", { scope: "row" }, a.name || a.employee_id),
      h("td", {}, h("span", { class: `state state-${a.state}` }, t(`state.${a.state}`)), a.mobile ? ` · ${t(`phone.${a.mobile}`)}` : ""),
      h("td", {}, h("button", {
        type: "button", id: `agent-${q.queue_id}-${a.employee_id}`, class: "toggle", "aria-pressed": a.logged_in ? "true" : "false",
        "aria-label": `${a.logged_in ? t("live.logout") : t("live.login")}: ${a.name || a.employee_id}`,
        onclick: () => setAgent(q.queue_id, a.employee_id, !a.logged_in),
      }, a.logged_in ? t("live.logout") : t("live.login"))),
    ));
  const alerts = (q.alerts || []).map((a) => {
    const call = (q.waiting || []).find((c) => c.call_id === a.call_id) || {};
    return h("li", { class: "alert" }, h("span", { "aria-hidden": "true" }, "⚠ "), t("live.alert", { caller: call.caller_name || call.caller || a.call_id, wait: duration(a.wait_s), queue: q.name }));
  });
  const table = (caption, heads, rows, cls) =>
    rows.length
      ? h("table", { class: `grid ${cls}` }, h("caption", {}, caption), h("thead", {}, h("tr", {}, ...heads.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, ...rows))
      : h("p", { class: `muted ${cls}` }, `${caption}: ${t("live.none")}`);
  return h("section", { class: "queue panel", id: `queue-${q.queue_id}`, "aria-labelledby": `qh-${q.queue_id}` },
    h("h3", { id: `qh-${q.queue_id}` }, q.name || q.queue_id, " ",
      h("span", { class: "muted small" }, t("live.counts", { waiting: counts.waiting ?? (q.waiting || []).length, available: counts.agents_available ?? 0, logged: counts.agents_logged_in ?? 0 }))),
    alerts.length ? h("ul", { class: "alerts", "aria-label": t("live.alerts") }, ...alerts) : null,
    table(t("live.waiting"), [t("live.pos"), t("live.caller"), t("live.wait"), t("live.level"), ""], waiting, "waiting"),
    table(t("live.onhold"), [t("live.caller"), t("live.heldby"), t("live.held"), ""], held, "onhold"),
    table(t("live.agents"), [t("live.agent"), t("live.state"), t("live.loggedin")], agents, "agents"),
  );
}

function agentName(employeeId) {
  for (const q of (app.live && app.live.queues) || []) {
    const a = (q.agents || []).find((x) => x.employee_id === employeeId);
    if (a) return a.name;
  }
  return employeeId || "";
}

/** Every second: waits and holds tick, colours follow the thresholds. */
function tick() {
  if (!app.live) return;
  const extra = (Date.now() - app.liveAt) / 1000;
  const queues = Object.fromEntries((app.live.queues || []).map((q) => [q.queue_id, q]));
  document.querySelectorAll("tr.call").forEach((row) => {
    const wait = Number(row.dataset.wait) + extra;
    row.querySelector(".wait").textContent = duration(wait);
    const colour = colourOf(wait, (queues[row.dataset.queue] || {}).thresholds);
    const cell = row.querySelector(".level");
    if (cell.firstElementChild && cell.firstElementChild.dataset.colour !== colour) cell.replaceChildren(badge(colour));
  });
  document.querySelectorAll("tr.held").forEach((row) => {
    row.querySelector(".hold").textContent = duration(Number(row.dataset.hold) + extra);
  });
}

async function setAgent(queueId, employeeId, loggedIn) {
  try {
    await api(`/admin/queues/${encodeURIComponent(queueId)}/agents/${encodeURIComponent(employeeId)}`, { method: "PUT", body: { logged_in: loggedIn } });
    app.feed.refresh(true);
  } catch (err) {
    failed(err);
  }
}

async function callAction(callId, action, body) {
  try {
    const result = await api(`/switchboard/calls/${encodeURIComponent(callId)}/${action}`, { method: "POST", body });
    flash(t("call.done", { status: (result && result.status) || action }));
    app.feed.refresh(true);
    return result;
  } catch (err) {
    failed(err);
    return null;
  }
}

// ---------------------------------------------------------------- a call's details (B2)
async function openCall(call, queue) {
  app.selectedCall = { call_id: call.call_id, caller: call.caller, caller_name: call.caller_name, queue_id: queue && queue.queue_id };
  const panel = $("#call-details");
  panel.hidden = false;
  $("#h-call").textContent = t("call.title", { caller: call.caller_name || call.caller || call.call_id });
  $("#call-body").replaceChildren(h("p", {}, t("loading")));
  let details = null;
  try {
    details = await api(`/switchboard/calls/${encodeURIComponent(call.call_id)}`);
  } catch (err) {
    details = { error: err };
  }
  $("#call-body").replaceChildren(...callDetails(call, details));
  $("#h-call").setAttribute("tabindex", "-1");
  $("#h-call").focus();
}

function callDetails(call, d) {
  const out = [];
  const id = call.call_id;
  if (d && d.error) out.push(h("p", { class: "error" }, t("error", { message: d.error.message })));
  if (d && d.live) out.push(h("p", {}, `${t("call.status")}: ${d.live.status}`));
  if (d && d.caller) out.push(h("p", {}, `${t("call.caller")}: ${d.caller.name || ""} ${d.caller.number || ""}`));
  const path = d && d.call && (d.call.path || d.call.steps || d.call.legs || d.call.events);
  out.push(h("h4", {}, t("call.path")));
  if (Array.isArray(path) && path.length) {
    out.push(h("ol", { class: "path" }, ...path.map((p) => h("li", {}, typeof p === "string" ? p : [p.at ? localTime(p.at) : "", p.kind || p.step || p.type || "", p.queue_id || p.employee_id || p.target || p.outcome || ""].filter(Boolean).join(" · ")))));
  } else {
    out.push(h("p", { class: "muted" }, d && d.call ? JSON.stringify(d.call).slice(0, 300) : t("call.nolog")));
  }
  out.push(h("h4", {}, t("call.notes")));
  out.push(h("ul", { class: "notes" }, ...((d && d.notes) || []).map(noteItem)));
  const noteId = `note-${id}`;
  out.push(h("form", { class: "note-form", onsubmit: async (e) => {
    e.preventDefault();
    const text = $(`#${CSS.escape(noteId)}`).value.trim();
    if (!text) return;
    try {
      const note = await api(`/switchboard/calls/${encodeURIComponent(id)}/notes`, { method: "POST", body: { text } });
      e.target.previousElementSibling.append(noteItem(note));
      $(`#${CSS.escape(noteId)}`).value = "";
    } catch (err) {
      failed(err);
    }
  } }, h("label", { for: noteId }, t("call.addnote")), h("textarea", { id: noteId, rows: 2, maxlength: 2000, required: true }), h("button", { type: "submit" }, t("call.savenote"))));
  const earlier = (d && d.earlier_calls) || [];
  if (earlier.length) {
    out.push(h("h4", {}, t("call.earlier")));
    out.push(h("ul", {}, ...earlier.map((c) => h("li", {}, `${localTime(c.started_at, true)} · ${c.outcome || ""} ${c.answered_by || ""}`, h("ul", {}, ...(c.notes || []).map(noteItem))))));
  }
  // Assign to a person picked from the directory.
  const searchId = `assign-q-${id}`;
  const pickId = `assign-pick-${id}`;
  const pick = h("select", { id: pickId, required: true });
  const fill = async (q) => {
    try {
      const res = await api(`/directory?kind=employee&limit=50${q ? `&q=${encodeURIComponent(q)}` : ""}`);
      pick.replaceChildren(...(res.results || []).map((p) => h("option", { value: p.employee_id }, `${p.name}${p.availability ? ` (${t(`state.${p.availability.state}`)})` : ""}`)));
    } catch {
      const dir = (app.live && app.live.queues ? app.live.queues.flatMap((q) => q.agents || []) : []);
      pick.replaceChildren(...dir.map((a) => h("option", { value: a.employee_id }, a.name)));
    }
  };
  fill("");
  out.push(h("form", { class: "row assign-form", onsubmit: (e) => {
    e.preventDefault();
    callAction(id, "assign", { employee_id: pick.value });
  } },
  h("label", { for: searchId }, t("call.findperson")),
  h("input", { id: searchId, type: "search", oninput: (e) => fill(e.target.value.trim()) }),
  h("label", { for: pickId }, t("call.assign")), pick,
  h("button", { type: "submit", id: `assign-${id}` }, t("call.assignbtn"))));
  const toId = `transfer-to-${id}`;
  out.push(h("form", { class: "row", onsubmit: (e) => {
    e.preventDefault();
    const target = $(`#${CSS.escape(toId)}`).value.trim();
    const kind = /^\d{2,5}$/.test(target) ? "extension" : target.startsWith("e-") ? "person" : "external";
    callAction(id, "transfer", { to: { kind, target } });
  } }, h("label", { for: toId }, t("call.totarget")), h("input", { id: toId, required: true }), h("button", { type: "submit" }, t("call.transfer"))));
  out.push(h("p", { class: "row" },
    h("button", { type: "button", onclick: () => callAction(id, "hold") }, t("call.hold")),
    h("button", { type: "button", onclick: () => callAction(id, "pickup", {}) }, t("call.pickup")),
    h("button", { type: "button", onclick: () => { app.selectedCall = { call_id: id, caller: call.caller, caller_name: call.caller_name }; show("directory"); } }, t("nav.directory")),
    h("button", { type: "button", onclick: () => { $("#call-details").hidden = true; } }, t("call.close"))));
  return out;
}

function noteItem(n) {
  return h("li", {}, h("span", { class: "muted" }, `${localTime(n.at, true)} ${n.author_name || n.author_id || ""}: `), n.text);
}

// ---------------------------------------------------------------- directory (B4)
async function searchDirectory() {
  const sel = app.selectedCall;
  $("#dir-selected-call").textContent = sel ? t("dir.selected", { caller: sel.caller_name || sel.caller }) : "";
  const q = $("#dir-q").value.trim();
  const kind = $("#dir-kind").value;
  const params = new URLSearchParams({ limit: "50" });
  if (q) params.set("q", q);
  if (kind) params.set("kind", kind);
  const list = $("#dir-results");
  try {
    const res = await api(`/directory?${params}`);
    const results = res.results || [];
    list.replaceChildren(...(results.length ? results.map(directoryCard) : [h("li", {}, t("dir.none"))]));
  } catch (err) {
    list.replaceChildren(h("li", { class: "error" }, t("error", { message: err.message })));
  }
}

function directoryCard(p) {
  const numbers = Object.entries(p.numbers || {}).filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`).join(" · ");
  const av = p.availability;
  const next = p.next_calendar_entry;
  const transferTarget = p.kind === "employee" ? { kind: "person", target: p.employee_id } : { kind: "external", target: (p.numbers || {}).mobile || (p.numbers || {}).work };
  return h("li", { class: "card" },
    p.photo_url ? h("img", { src: p.photo_url, alt: "", width: 64, height: 64 }) : h("span", { class: "avatar", "aria-hidden": "true" }, (p.name || "?").slice(0, 1)),
    h("div", {},
      h("h3", {}, p.name, p.title ? h("span", { class: "muted small" }, ` · ${p.title}`) : null),
      h("p", { class: "small" }, [p.department || p.organisation || "", numbers].filter(Boolean).join(" · ")),
      av ? h("p", { class: "small" }, h("span", { class: `state state-${av.state}` }, t(`state.${av.state}`)), av.until ? ` → ${localTime(av.until)}` : "",
        p.phone ? ` · ${t("dir.phone")}: ${t(`phone.${p.phone}`)}` : "") : null,
      next ? h("p", { class: "small" }, `${t("dir.next")}: ${next.subject || ""} ${localTime(next.start)}–${localTime(next.end)}`) : null,
      h("p", { class: "row" },
        app.selectedCall && transferTarget.target
          ? h("button", { type: "button", onclick: () => callAction(app.selectedCall.call_id, "transfer", { to: transferTarget }) }, t("dir.transfer"))
          : null,
        h("button", { type: "button", onclick: () => { addSmsRecipient(p); show("sms"); } }, t("dir.sms")),
        p.email ? h("button", { type: "button", onclick: () => openEmail(p) }, t("dir.email")) : null)));
}

function openEmail(p) {
  const form = $("#email-form");
  form.hidden = false;
  form.dataset.to = JSON.stringify(p.kind === "employee" ? { employee_id: p.employee_id } : p.contact_id ? { contact_id: p.contact_id } : { address: p.email });
  $("#email-to").textContent = `${p.name} <${p.email}>`;
  $("#email-subject").focus();
}

// ---------------------------------------------------------------- SMS centre (B5)
const GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXT = "^{}\\[~]|€\f";

/** {encoding, units, parts} as the SMS centre counts them: GSM-7 160/153, UCS-2 70/67. */
export function smsParts(text) {
  let units = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM7.includes(ch)) units += 1;
    else if (GSM7_EXT.includes(ch)) units += 2;
    else gsm = false;
  }
  if (!gsm) units = [...text].reduce((n, ch) => n + (ch.codePointAt(0) > 0xffff ? 2 : 1), 0);
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  const parts = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
  return { encoding: gsm ? "GSM-7" : "UCS-2", units, parts };
}

function updateCounter() {
  const text = $("#sms-text").value;
  const p = smsParts(text);
  $("#sms-counter").textContent = t("sms.counter", { chars: [...text].length, parts: p.parts, encoding: p.encoding });
}

function addSmsRecipient(p) {
  const r = p.kind === "employee" ? { employee_id: p.employee_id } : p.contact_id ? { contact_id: p.contact_id } : { number: p.number };
  app.smsRecipients.push({ label: p.name || p.number, r });
  renderChips();
}

function renderChips() {
  $("#sms-chips").replaceChildren(...app.smsRecipients.map((c, i) => h("li", { class: "chip" }, c.label, " ",
    h("button", { type: "button", "aria-label": t("sms.remove", { who: c.label }), onclick: () => { app.smsRecipients.splice(i, 1); renderChips(); } }, "×"))));
}

async function loadSms() {
  updateCounter();
  renderChips();
  try {
    const me = app.me || {};
    if ($("#sms-dept").options.length <= 1 && me.company_id) {
      // departments: from the directory's employees (no extra route needed)
      const res = await api("/directory?kind=employee&limit=200");
      const depts = new Map((res.results || []).filter((p) => p.department_id).map((p) => [p.department_id, p.department || p.department_id]));
      for (const [id, name] of depts) $("#sms-dept").append(h("option", { value: id }, name));
    }
  } catch {
    /* the department list is optional */
  }
  try {
    const log = await api("/switchboard/sms");
    const items = log.batches || log.items || [];
    $("#sms-log").replaceChildren(...items.map((b) => h("tr", {},
      h("td", {}, localTime(b.created_at || b.at, true)),
      h("td", {}, b.recipients ?? ""),
      h("td", {}, b.parts_total ?? b.parts ?? ""),
      h("td", {}, statusSummary(b), " ", h("button", { type: "button", onclick: () => showBatch(b.batch_id) }, t("sms.details"))))));
  } catch (err) {
    $("#sms-log").replaceChildren(h("tr", {}, h("td", { colspan: 4, class: "error" }, t("error", { message: err.message }))));
  }
}

function statusSummary(b) {
  if (b.status) return b.status;
  const counts = b.statuses || b.counts;
  return counts ? Object.entries(counts).map(([k, v]) => `${k}: ${v}`).join(", ") : "";
}

async function showBatch(batchId) {
  try {
    const b = await api(`/switchboard/sms/${encodeURIComponent(batchId)}`);
    $("#sms-batch").replaceChildren(h("h3", {}, batchId), h("p", {}, b.text || ""),
      h("ul", { class: "sms-statuses" }, ...(b.to || []).map((r) => h("li", {}, `${r.name || ""} ${r.number || ""}: ${r.status}${r.reason ? ` (${r.reason})` : ""}`))));
  } catch (err) {
    failed(err);
  }
}

// ---------------------------------------------------------------- statistics (B6)
/** The range of Oslo days (YYYY-MM-DD) the statistics API takes for a grain. */
function statsRange(grain) {
  const day = (d) => new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Oslo" }).format(d);
  const back = { "15m": 0, day: 13, week: 7 * 12, month: 365 }[grain] ?? 0;
  const now = new Date();
  return { from: day(new Date(now.getTime() - back * 86400000)), to: day(now) };
}

const pct = (x) => (x === null || x === undefined ? "–" : `${Math.round(x * 1000) / 10} %`);
const num = (x) => (x === null || x === undefined ? "–" : Math.round(x * 10) / 10);

async function loadStats() {
  const grain = $("#stats-grain").value;
  const { from, to } = statsRange(grain);
  app.charts.forEach((c) => c.destroy());
  app.charts = [];
  try {
    const rt = await api("/switchboard/stats/realtime");
    $("#stats-realtime").replaceChildren(h("h3", {}, t("stats.realtime")),
      h("ul", { class: "realtime" }, ...(rt.queues || []).map((q) => h("li", {}, h("strong", {}, `${q.name || q.queue_id}: `),
        t("stats.now", { waiting: q.waiting ?? 0, oldest: q.oldest_wait_s === null || q.oldest_wait_s === undefined ? "–" : duration(q.oldest_wait_s),
          available: q.agents_available ?? 0, online: q.agents_online ?? 0, sl: pct((q.today || {}).service_level), answered: (q.today || {}).answered ?? 0 })))));
  } catch (err) {
    $("#stats-realtime").replaceChildren(h("p", { class: "muted" }, t("error", { message: err.message })));
  }
  let res;
  try {
    res = await api(`/switchboard/stats/queues?${new URLSearchParams({ from, to, grain })}`);
  } catch (err) {
    $("#stats-charts").replaceChildren(h("p", { class: "error" }, t("error", { message: err.message })));
    return;
  }
  const names = Object.fromEntries((res.totals || []).map((q) => [q.queue_id, q.name]));
  const definition = res.service_level_definition_text || res.service_level_definition;
  const byQueue = new Map();
  for (const r of res.rows || []) {
    if (!byQueue.has(r.queue_id)) byQueue.set(r.queue_id, []);
    byQueue.get(r.queue_id).push(r);
  }
  const blocks = [];
  for (const [queueId, rows] of byQueue) blocks.push(statsBlock(queueId, names[queueId] || queueId, rows, definition));
  $("#stats-charts").replaceChildren(...(blocks.length ? blocks : [h("p", { class: "muted" }, t("stats.nodata"))]));
}

function intervalLabel(r) {
  return $("#stats-grain").value === "15m" ? localTime(r.start) : r.period || localTime(r.start, true);
}

function statsBlock(queueId, name, rows, definition) {
  const labels = rows.map(intervalLabel);
  const canvasId = `chart-${queueId}`;
  const canvas = h("canvas", { id: canvasId, role: "img", "aria-label": t("stats.chart", { queue: name }), width: 600, height: 260 });
  const table = h("table", { class: "grid stats-table", id: `stats-table-${queueId}` },
    h("caption", {}, t("stats.table", { queue: name })),
    h("thead", {}, h("tr", {}, ...[t("stats.interval"), t("stats.offered"), t("stats.answered"), t("stats.abandoned"), t("stats.sl"), t("stats.asa")].map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, ...rows.map((r, i) => h("tr", {}, h("th", { scope: "row" }, labels[i]), h("td", {}, r.offered ?? 0), h("td", {}, r.answered ?? 0), h("td", {}, r.abandoned ?? 0), h("td", {}, pct(r.service_level)), h("td", {}, num(r.asa_s))))));
  const block = h("section", { class: "panel stats", "aria-labelledby": `sh-${queueId}` },
    h("h3", { id: `sh-${queueId}` }, name),
    definition ? h("p", { class: "muted sl-definition" }, `${t("stats.sl")}: ${typeof definition === "string" ? definition : JSON.stringify(definition)}`) : null,
    h("div", { class: "stats-row" }, h("div", { class: "chart" }, canvas), h("div", { class: "table-wrap" }, table)));
  requestAnimationFrame(() => drawChart(canvas, labels, rows));
  return block;
}

function drawChart(canvas, labels, rows) {
  if (!window.Chart) return;
  const dataset = (label, key, color, dash) => ({ label, data: rows.map((r) => r[key] ?? 0), backgroundColor: color, borderColor: color, borderDash: dash });
  const chart = new window.Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: [
        dataset(t("stats.offered"), "offered", "#1d4e89"),
        dataset(t("stats.answered"), "answered", "#2b7a3d"),
        dataset(t("stats.abandoned"), "abandoned", "#a4161a"),
        { type: "line", label: t("stats.sl"), data: rows.map((r) => (r.service_level === null || r.service_level === undefined ? null : r.service_level * 100)), borderColor: "#5c3c00", backgroundColor: "#5c3c00", yAxisID: "sl", borderDash: [6, 3] },
      ],
    },
    options: {
      animation: false,
      responsive: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, sl: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } } },
    },
  });
  app.charts.push(chart);
  canvas.dataset.drawn = "true";
}

// ---------------------------------------------------------------- my profile (B7, C4, C1)
async function loadProfile() {
  try {
    const av = await api("/me/availability");
    $("#avail-now").textContent = t("profile.now", { state: t(`state.${av.state}`), source: av.source || "" });
    $("#avail-state").value = av.manual ? av.state : "available";
  } catch (err) {
    $("#avail-now").textContent = t("error", { message: err.message });
  }
  try {
    const mine = await api("/me/queues");
    const items = mine.items || [];
    $("#my-queues").replaceChildren(...(items.length ? items.map((q) => h("p", {},
      h("input", { type: "checkbox", id: `myq-${q.queue_id}`, value: q.queue_id, checked: q.logged_in }), " ",
      h("label", { for: `myq-${q.queue_id}` }, q.name || q.queue_id))) : [h("p", { class: "muted" }, t("profile.noqueues"))]));
  } catch (err) {
    $("#my-queues").replaceChildren(h("p", { class: "error" }, t("error", { message: err.message })));
  }
  try {
    const me = app.me || (await api("/me"));
    const photo = me.thumbnail_url || me.photo_url;
    if (photo) Object.assign($("#my-photo"), { src: photo, hidden: false });
  } catch {
    /* no photo */
  }
  loadMyCosts();
  try {
    const dash = await api("/me/dashboard");
    $("#usage").replaceChildren(usageView(dash));
  } catch (err) {
    $("#usage").replaceChildren(h("p", { class: "muted" }, t("error", { message: err.message })));
  }
}

/** /me/dashboard as a definition list of its plain figures (one level deep). */
function usageView(dash) {
  const dl = h("dl", { class: "usage" });
  const add = (k, v) => dl.append(h("dt", {}, k.replace(/_/g, " ")), h("dd", {}, String(v)));
  for (const [k, v] of Object.entries(dash || {})) {
    if (v === null || v === undefined) continue;
    if (typeof v !== "object") add(k, v);
    else if (!Array.isArray(v)) for (const [k2, v2] of Object.entries(v)) if (v2 !== null && typeof v2 !== "object") add(`${k} ${k2}`, v2);
  }
  return dl;
}

// ---------------------------------------------------------------- costs (F1)
const KINDS = ["voice", "sms", "mms", "data", "content", "package", "fee"];
// Colours with AA contrast against white, and a point style each in the legend (not colour alone).
const KIND_STYLE = {
  voice: ["#1d4e89", "circle"], sms: ["#2b7a3d", "rect"], mms: ["#6a3d9a", "triangle"],
  data: ["#b35c00", "rectRot"], content: ["#a4161a", "star"], fee: ["#4a5563", "crossRot"],
};
const kroner = (ore) => new Intl.NumberFormat(getLang() === "en" ? "en-GB" : "nb-NO", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format((ore || 0) / 100);

async function loadCosts() {
  await fillCostPickers();
  const params = new URLSearchParams();
  if ($("#costs-dept").value) params.set("department_id", $("#costs-dept").value);
  if ($("#costs-emp").value) params.set("employee_id", $("#costs-emp").value);
  const body = $("#costs-body");
  body.replaceChildren(h("p", { class: "muted" }, t("loading")));
  try {
    const dash = await api(`/admin/dashboard${params.toString() ? `?${params}` : ""}`);
    body.replaceChildren(...costsView(dash, "costs"));
  } catch (err) {
    body.replaceChildren(h("p", { class: "error" }, t("error", { message: err.message })));
  }
}

async function loadMyCosts() {
  try {
    const dash = await api("/me/costs");
    $("#my-costs").replaceChildren(...costsView(dash, "my-costs", 4));
  } catch (err) {
    $("#my-costs").replaceChildren(h("p", { class: "muted" }, t("error", { message: err.message })));
  }
}

/** The department and employee pickers: departments once, employees of the chosen department. */
async function fillCostPickers() {
  const dept = $("#costs-dept");
  if (!fillCostPickers.departments) {
    try {
      const res = await api("/admin/departments");
      fillCostPickers.departments = (res.items || []).filter((d) => d.administered !== false);
      dept.append(...fillCostPickers.departments.map((d) => h("option", { value: d.department_id }, d.name)));
    } catch {
      fillCostPickers.departments = [];
    }
  }
  const emp = $("#costs-emp");
  const wanted = dept.value || "*";
  if (emp.dataset.department === wanted) return;
  const chosen = emp.value;
  emp.replaceChildren(h("option", { value: "" }, t("costs.allemps")));
  try {
    const query = new URLSearchParams({ limit: "200", ...(dept.value ? { department_id: dept.value } : {}) });
    const res = await api(`/admin/employees?${query}`);
    emp.append(...(res.items || []).map((e) => h("option", { value: e.employee_id }, e.name)));
    if ([...emp.options].some((o) => o.value === chosen)) emp.value = chosen;
  } catch {
    /* the employee picker is optional */
  }
  emp.dataset.department = wanted;
}

function scopeName(scope) {
  if (scope.level === "company" || scope.level === "departments") return `${scope.name} (${t(`costs.scope.${scope.level}`)})`;
  return scope.name || scope.id;
}

/** The dashboard JSON as: this month's cost, the trend as a chart and a table, data and
 * content use, data packages and invoices. `id` prefixes element ids (two views share it). */
function costsView(dash, id, headingLevel = 3) {
  const hx = `h${headingLevel}`;
  const month = dash.this_month || {};
  const scope = scopeName(dash.scope || {});
  const kinds = dash.kinds || KINDS;
  const summary = h("dl", { class: "money", id: `${id}-month` },
    h("dt", {}, t("costs.net")), h("dd", { dataset: { ore: month.net_ore } }, `${kroner(month.net_ore)} kr`),
    h("dt", {}, t("costs.vat", { rate: month.vat_rate_percent ?? 25 })), h("dd", { dataset: { ore: month.vat_ore } }, `${kroner(month.vat_ore)} kr`),
    h("dt", {}, t("costs.total")), h("dd", { dataset: { ore: month.total_ore } }, h("strong", {}, `${kroner(month.total_ore)} kr`)));
  const canvas = h("canvas", { id: `${id}-chart`, role: "img", "aria-label": t("costs.chart", { scope }), width: 640, height: 300 });
  const rows = (dash.trend || []).map((r) =>
    h("tr", { dataset: { month: r.month } },
      h("th", { scope: "row" }, r.month),
      ...kinds.map((k) => h("td", { class: "number", dataset: { kind: k, ore: (r.by_kind[k] || {}).amount_ore ?? 0 } }, kroner((r.by_kind[k] || {}).amount_ore))),
      h("td", { class: "number sum", dataset: { kind: "sum", ore: r.net_ore } }, h("strong", {}, kroner(r.net_ore)))));
  const table = h("table", { class: "grid cost-table", id: `${id}-table` },
    h("caption", {}, t("costs.table", { scope })),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("costs.month")), ...kinds.map((k) => h("th", { scope: "col" }, t(`kind.${k}`))), h("th", { scope: "col" }, t("costs.sum")))),
    h("tbody", {}, ...rows));
  const data = dash.data || {};
  const content = dash.content || {};
  const out = [
    h(hx, { id: `${id}-h-month` }, t("costs.thismonth", { month: month.month || "" })),
    summary,
    h(hx, {}, t("costs.trend")),
    h("div", { class: "stats-row" }, h("div", { class: "chart" }, canvas), h("div", { class: "table-wrap wide" }, table)),
    h("p", { id: `${id}-data` }, t("costs.data", { mb: Math.round(((data.bytes || 0) / 1048576) * 10) / 10, amount: kroner(data.amount_ore) })),
    h("p", { id: `${id}-content` }, t("costs.content", { n: content.purchases ?? 0, amount: kroner(content.amount_ore) })),
  ];
  if (dash.data_packages) {
    const packages = dash.data_packages;
    const items = packages.items || [];
    let shown;
    if (items.length) shown = h("ul", { id: `${id}-packages` }, ...items.map((p) => h("li", {}, `${p.product}: ${kroner(p.price_ore)} kr, ${t(`costs.paidby.${p.paid_by}`)}`)));
    else if (packages.count) shown = h("p", { id: `${id}-packages` }, t("costs.packagecount", { n: packages.count, amount: kroner(packages.company_paid_ore) }));
    else shown = h("p", { class: "muted", id: `${id}-packages` }, t("costs.nopackages"));
    out.push(h(hx, {}, t("costs.packages")), shown);
  }
  if (id === "costs") {
    const invoices = dash.invoices || [];
    out.push(h(hx, {}, t("costs.invoices")), invoices.length
      ? h("table", { class: "grid", id: `${id}-invoices` }, h("caption", { class: "sr-only" }, t("costs.invoices")),
        h("thead", {}, h("tr", {}, ...["costs.number", "costs.period", "costs.status", "costs.due", "costs.total"].map((k) => h("th", { scope: "col" }, t(k))))),
        h("tbody", {}, ...invoices.map((i) => h("tr", {},
          h("th", { scope: "row" }, i.number ?? "–"), h("td", {}, i.period || ""),
          h("td", {}, h("span", { class: `inv inv-${i.payment_status || i.status}` }, t(`inv.${i.payment_status || i.status}`))),
          h("td", {}, i.due_date || ""), h("td", { class: "number", dataset: { ore: i.total_ore } }, kroner(i.total_ore))))))
      : h("p", { class: "muted", id: `${id}-invoices` }, t("costs.noinvoices")));
  }
  requestAnimationFrame(() => drawCostChart(canvas, dash, kinds));
  return out;
}

function drawCostChart(canvas, dash, kinds) {
  if (!window.Chart) return;
  if (app.costCharts[canvas.id]) app.costCharts[canvas.id].destroy();
  const trend = dash.trend || [];
  app.costCharts[canvas.id] = new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: trend.map((r) => r.month),
      datasets: kinds.map((k) => ({
        label: t(`kind.${k}`),
        data: trend.map((r) => ((r.by_kind[k] || {}).amount_ore || 0) / 100),
        backgroundColor: (KIND_STYLE[k] || ["#1b1f24"])[0],
        borderColor: (KIND_STYLE[k] || ["#1b1f24"])[0],
        borderWidth: 2,
        pointStyle: (KIND_STYLE[k] || [null, "circle"])[1],
      })),
    },
    options: {
      animation: false,
      responsive: false,
      plugins: { legend: { labels: { usePointStyle: true } } },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "kr" } } },
    },
  });
  canvas.dataset.drawn = "true";
}

// ---------------------------------------------------------------- forms
function wireForms() {
  if (wireForms.done) return;
  wireForms.done = true;
  wireInvoiceControl({ h, kroner });
  $("#costs-form").addEventListener("submit", (e) => {
    e.preventDefault();
    loadCosts();
  });
  $("#costs-dept").addEventListener("change", () => fillCostPickers());
  $("#dir-form").addEventListener("submit", (e) => {
    e.preventDefault();
    searchDirectory();
  });
  $("#email-cancel").addEventListener("click", () => ($("#email-form").hidden = true));
  $("#email-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("/switchboard/email", { method: "POST", body: { to: JSON.parse(e.target.dataset.to), subject: $("#email-subject").value, text: $("#email-text").value } });
      flash(t("email.sent"));
      e.target.hidden = true;
    } catch (err) {
      failed(err);
    }
  });
  $("#sms-text").addEventListener("input", updateCounter);
  $("#sms-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const numbers = $("#sms-to").value.split(/[,;\n]/).map((s) => s.trim()).filter(Boolean).map((n) => ({ number: n }));
    const dept = $("#sms-dept").value;
    const recipients = [...numbers, ...app.smsRecipients.map((c) => c.r), ...(dept ? [{ department_id: dept }] : [])];
    try {
      const res = await api("/switchboard/sms", { method: "POST", body: { recipients, text: $("#sms-text").value } });
      flash(t("sms.sent", { n: res.recipients, parts: res.parts_total }));
      app.smsRecipients = [];
      $("#sms-to").value = "";
      $("#sms-text").value = "";
      loadSms();
    } catch (err) {
      failed(err);
    }
  });
  $("#stats-form").addEventListener("submit", (e) => {
    e.preventDefault();
    loadStats();
  });
  $("#avail-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const until = $("#avail-until").value;
    try {
      await api("/me/availability", { method: "PUT", body: { state: $("#avail-state").value, ...(until ? { until: new Date(until).toISOString() } : {}) } });
      flash(t("profile.saved"));
      loadProfile();
    } catch (err) {
      failed(err);
    }
  });
  $("#queues-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const queueIds = [...document.querySelectorAll("#my-queues input:checked")].map((i) => i.value);
    try {
      await api("/me/queues", { method: "PUT", body: { queue_ids: queueIds } });
      flash(t("profile.saved"));
      app.feed.refresh(true);
    } catch (err) {
      failed(err);
    }
  });
  $("#photo-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const file = $("#photo-file").files[0];
    if (!file) return;
    try {
      const up = await api("/me/photo/upload", { method: "POST", body: {} });
      if (file.size > up.max_bytes) throw new Error(`max ${Math.round(up.max_bytes / 1e6)} MB`);
      const form = new FormData();
      Object.entries(up.fields || {}).forEach(([k, v]) => form.append(k, v));
      form.append("file", file);
      const resp = await fetch(up.url, { method: "POST", body: form });
      if (!resp.ok) throw new Error(`upload: HTTP ${resp.status}`);
      const done = await api("/me/photo", { method: "POST", body: { upload_id: up.upload_id } });
      Object.assign($("#my-photo"), { src: done.thumbnail_url || done.photo_url, hidden: false });
      flash(t("profile.saved"));
    } catch (err) {
      failed(err);
    }
  });
}

start().catch(failed);
