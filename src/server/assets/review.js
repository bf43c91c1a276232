// The review page: triage the queue of candidate aliases with one key per decision.
//
// Everything shown comes from the review API (/v1/review/...) and is written into the page as
// text (textContent), never as HTML. The reviewer token is kept in sessionStorage: it lasts
// as long as the tab.
"use strict";

const PAGE_SIZE = 200;      // candidates fetched at a time
const REFILL_BELOW = 25;    // fetch more when fewer pending rows than this remain below
const HISTORY_SIZE = 30;    // decisions shown

const state = {
  token: sessionStorage.getItem("titlematch.token") || "",
  reviewer: sessionStorage.getItem("titlematch.reviewer") || "",
  me: null,           // {reviewer, shared}
  rows: [],           // candidates, in queue order, with .ui = {state, error, decision}
  sel: 0,             // selected row index
  undo: [],           // decisions made here, latest last: {decision, candidate}
  roles: [],          // for the remap picker
  picker: null,       // {row, matches, index} while the picker is open
  confirm: null,      // {ids, role} while a group approval waits for confirmation
  refilling: false,
};

const $ = (id) => document.getElementById(id);

// Build an element: el("td", {className: "num"}, "text", child, ...).
function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "dataset") Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// ---- API -------------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (state.token) headers.Authorization = "Bearer " + state.token;
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    // A shared token names its reviewer in each request.
    if (state.me && state.me.shared) body = Object.assign({ reviewer: state.reviewer }, body);
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  let data = null;
  try { data = await r.json(); } catch (_) { data = null; }
  if (!r.ok) {
    const err = new Error((data && data.message) || ("HTTP " + r.status));
    err.code = data && data.code;
    err.status = r.status;
    throw err;
  }
  return data;
}

// ---- messages --------------------------------------------------------------------------

let messageTimer = null;
function say(text, kind) {
  const m = $("message");
  m.textContent = text;
  m.className = kind || "";
  clearTimeout(messageTimer);
  if (kind !== "error") messageTimer = setTimeout(() => { m.textContent = ""; m.className = ""; }, 6000);
}

// ---- sign in ---------------------------------------------------------------------------

async function signIn() {
  if (!state.token) { showSignIn(); return; }
  try {
    state.me = await api("GET", "/v1/review/whoami");
  } catch (e) {
    state.me = null;
    showSignIn();
    say(e.code === "review_disabled" ? e.message : "Sign in failed: " + e.message, "error");
    return;
  }
  if (state.me.shared && !state.reviewer) {
    showSignIn();
    $("reviewer-label").hidden = false;
    $("reviewer").required = true;
    $("token").value = state.token;
    say("This is a shared token: give your name, it is written on your decisions.", "error");
    $("reviewer").focus();
    return;
  }
  sessionStorage.setItem("titlematch.token", state.token);
  sessionStorage.setItem("titlematch.reviewer", state.reviewer);
  $("signin").hidden = true;
  $("intro").hidden = true;
  $("me").hidden = false;
  $("me-name").textContent = state.me.reviewer || state.reviewer;
  $("app").hidden = false;
  await Promise.all([load(), loadHistory(), loadRoles()]);
}

function showSignIn() {
  $("signin").hidden = false;
  $("intro").hidden = false;
  $("me").hidden = true;
  $("app").hidden = true;
  $("token").focus();
}

function signOut() {
  sessionStorage.removeItem("titlematch.token");
  sessionStorage.removeItem("titlematch.reviewer");
  state.token = ""; state.reviewer = ""; state.me = null; state.rows = []; state.undo = [];
  $("token").value = ""; $("reviewer").value = "";
  showSignIn();
}

// ---- loading ---------------------------------------------------------------------------

function listQuery() {
  const p = new URLSearchParams({ status: $("status").value, limit: String(PAGE_SIZE) });
  if ($("band").value) p.set("band", $("band").value);
  const min = parseInt($("min-count").value, 10);
  if (min > 0) p.set("min_count", String(min));
  return "/v1/review/candidates?" + p.toString();
}

async function load() {
  try {
    const data = await api("GET", listQuery());
    state.rows = data.candidates.map((c) => Object.assign(c, { ui: { state: "idle" } }));
    state.sel = 0;
    showCounts(data.counts);
    render();
  } catch (e) {
    say("Could not load the queue: " + e.message, "error");
  }
}

// Keep the next candidates loaded: when few pending rows remain, fetch the queue again and
// append the candidates not shown yet (decided ones have left the pending list).
async function refill() {
  if (state.refilling || $("status").value !== "pending") return;
  const left = state.rows.slice(state.sel).filter((r) => r.status === "pending" && r.ui.state === "idle").length;
  if (left >= REFILL_BELOW) return;
  state.refilling = true;
  try {
    const data = await api("GET", listQuery());
    const have = new Set(state.rows.map((r) => r.id));
    let added = 0;
    for (const c of data.candidates) {
      if (!have.has(c.id)) { state.rows.push(Object.assign(c, { ui: { state: "idle" } })); added++; }
    }
    showCounts(data.counts);
    if (added) render();
  } catch (_) {
    // The next decision tries again.
  } finally {
    state.refilling = false;
  }
}

function showCounts(counts) {
  const parts = Object.entries(counts.candidates || {}).map(([k, v]) => v + " " + k);
  parts.push("aliases: " + counts.aliases, "decisions: " + counts.decisions);
  $("counts").textContent = parts.join(" · ");
}

async function loadHistory() {
  try {
    const data = await api("GET", "/v1/review/history?limit=" + HISTORY_SIZE);
    const list = $("history");
    list.replaceChildren();
    if (!data.decisions.length) list.append(el("li", { className: "small" }, "No decisions yet."));
    for (const d of data.decisions.slice().reverse()) {
      const when = (d.at || "").replace("T", " ").slice(0, 16);
      const what = d.role ? " → " + d.role : "";
      list.append(el("li", { dataset: { decision: String(d.id) } },
        el("span", { className: "who" }, d.reviewer), " ",
        el("span", { className: "action " + d.action }, d.action), " ",
        el("span", { className: "title" }, d.title), what,
        el("span", { className: "when" }, when + " · #" + d.id)));
    }
  } catch (_) {
    // History is a convenience; the queue still works.
  }
}

async function loadRoles() {
  if (state.roles.length) return;
  try {
    const data = await api("GET", "/v1/roles");
    state.roles = data.roles.map((r) => Object.assign(r, { words: (r.code + " " + r.name + " " + r.family).toLowerCase().split(/[^a-z0-9.]+/).filter(Boolean) }));
  } catch (_) {
    state.roles = [];
  }
}

// ---- rendering -------------------------------------------------------------------------

function groupSizes() {
  const n = new Map();
  for (const r of state.rows) {
    if (r.status === "pending" && r.ui.state === "idle" && r.suggested_role) n.set(r.suggested_role, (n.get(r.suggested_role) || 0) + 1);
  }
  return n;
}

function statusCell(r) {
  if (r.ui.state === "working") return el("td", { className: "status working" }, "saving…");
  if (r.ui.state === "error") return el("td", { className: "status error", title: r.ui.error }, "refused: " + r.ui.error);
  const d = r.ui.decision || r.last_decision;
  const who = d && r.status !== "pending" ? " by " + d.reviewer : "";
  return el("td", { className: "status " + r.status }, r.status + who);
}

function rowElement(r, i, groups) {
  const decided = r.status !== "pending";
  // The title as first written, and the normalized title when it differs beyond case.
  const written = (r.examples && r.examples[0]) || r.title;
  const more = r.examples && r.examples.length > 1 ? " (+" + (r.examples.length - 1) + " spellings)" : "";
  const norm = written.toLowerCase() !== r.title ? r.title : "";
  const role = r.suggested_role
    ? el("span", {}, el("code", {}, r.suggested_role), " ", r.suggested_role_name || "")
    : el("span", { className: "none" }, "none");
  const conf = r.confidence === null || r.confidence === undefined ? "" : r.confidence.toFixed(2);
  const group = r.status === "pending" && r.suggested_role ? groups.get(r.suggested_role) || 0 : 0;
  const tr = el("tr", { id: "cand-" + r.id, className: (i === state.sel ? "selected " : "") + (decided ? "decided" : ""), dataset: { id: String(r.id) } },
    el("td", { className: "num" }, r.count),
    el("td", { className: "title" }, el("div", {}, written), norm || more ? el("div", { className: "small" }, norm + more) : null),
    el("td", { className: "alias" }, r.alias || ""),
    el("td", {}, role),
    el("td", { className: "nowrap" }, r.suggested_level || ""),
    el("td", { className: "nowrap" }, r.suggested_soc || ""),
    el("td", { className: "num" }, conf, " ", r.band ? el("span", { className: "band " + r.band }, r.band) : null),
    el("td", { className: "num", title: group > 1 ? "g approves these " + group + " together" : "" }, group > 1 ? group : ""),
    statusCell(r),
    el("td", { className: "actions" },
      el("button", { type: "button", className: "approve", dataset: { id: String(r.id) }, disabled: decided || !r.suggested_role, title: "Approve the suggestion (a)" }, "Approve"),
      el("button", { type: "button", className: "remap", dataset: { id: String(r.id) }, disabled: decided, title: "Approve for another role (m)" }, "Remap"),
      el("button", { type: "button", className: "reject", dataset: { id: String(r.id) }, disabled: decided, title: "Not an alias (r)" }, "Reject")));
  return tr;
}

function render() {
  const groups = groupSizes();
  const body = $("rows");
  body.replaceChildren(...state.rows.map((r, i) => rowElement(r, i, groups)));
  $("empty").hidden = state.rows.length > 0;
  scrollToSelected();
}

function scrollToSelected() {
  const r = state.rows[state.sel];
  const tr = r && $("cand-" + r.id);
  if (tr) tr.scrollIntoView({ block: "nearest" });
}

function select(i) {
  if (!state.rows.length) return;
  state.sel = Math.max(0, Math.min(state.rows.length - 1, i));
  for (const tr of $("rows").children) tr.classList.toggle("selected", tr.dataset.id === String(state.rows[state.sel].id));
  scrollToSelected();
}

// The next row still waiting for a decision, after the selected one.
function selectNextPending() {
  for (let i = state.sel + 1; i < state.rows.length; i++) {
    if (state.rows[i].status === "pending" && state.rows[i].ui.state === "idle") { select(i); return; }
  }
}

// ---- decisions -------------------------------------------------------------------------

function rowById(id) {
  return state.rows.find((r) => r.id === id);
}

// Run a decision: the row shows "saving…" and the next candidate is selected at once; the
// answer updates the row when it comes.
async function decide(r, label, call) {
  if (!r || r.status !== "pending" || r.ui.state === "working") return;
  r.ui = { state: "working" };
  selectNextPending();
  render();
  try {
    const d = await call();
    r.status = d.new_status;
    r.ui = { state: "idle", decision: d };
    state.undo.push({ decision: d.id, candidate: r.id });
    say(label(d) + " (decision #" + d.id + ", u to undo)", "ok");
  } catch (e) {
    r.ui = { state: "error", error: e.message };
    say(e.message, "error");
  }
  render();
  loadHistory();
  refill();
}

function approve(r, extra) {
  const body = extra || {};
  if (r && !body.role && !r.suggested_role) {
    say("“" + r.title + "” has no suggested role: remap it (m) to the right one, or reject it (r).", "error");
    return;
  }
  decide(r, (d) => (d.action === "remap" ? "Remapped “" : "Approved “") + d.alias + "” → " + d.role,
    async () => (await api("POST", "/v1/review/candidates/" + r.id + "/approve", body)).decision);
}

function reject(r) {
  decide(r, (d) => "Rejected “" + d.title + "”",
    () => api("POST", "/v1/review/candidates/" + r.id + "/reject", {}));
}

async function undo() {
  let last = state.undo.pop();
  if (!last) {
    // Nothing decided here: undo the selected candidate's own latest decision.
    const r = state.rows[state.sel];
    if (r && r.status !== "pending" && r.last_decision) last = { decision: r.last_decision.id, candidate: r.id };
  }
  if (!last) { say("Nothing to undo.", "error"); return; }
  try {
    const d = await api("POST", "/v1/review/decisions/" + last.decision + "/undo", {});
    const r = rowById(last.candidate);
    if (r) {
      r.status = d.new_status;
      r.ui = { state: "idle" };
      r.last_decision = d;
      select(state.rows.indexOf(r));
    }
    say("Undid decision #" + last.decision + ": “" + d.title + "” is " + d.new_status + " again.", "ok");
  } catch (e) {
    say("Undo failed: " + e.message, "error");
  }
  render();
  loadHistory();
}

// g: approve every pending candidate shown that shares the selected one's suggestion.
function askGroup() {
  const r = state.rows[state.sel];
  if (!r || !r.suggested_role) { say("The selected candidate has no suggestion to share.", "error"); return; }
  const ids = state.rows.filter((x) => x.status === "pending" && x.ui.state === "idle" && x.suggested_role === r.suggested_role).map((x) => x.id);
  if (!ids.length) return;
  state.confirm = { ids, role: r.suggested_role };
  $("confirm-text").textContent = "Approve " + ids.length + " candidate" + (ids.length > 1 ? "s" : "") + " suggested as " + r.suggested_role + " " + (r.suggested_role_name || "") + "?";
  $("confirm").hidden = false;
  $("confirm-yes").focus();
}

async function confirmGroup(yes) {
  const c = state.confirm;
  state.confirm = null;
  $("confirm").hidden = true;
  if (!c || !yes) return;
  for (const id of c.ids) { const r = rowById(id); if (r) r.ui = { state: "working" }; }
  render();
  try {
    const res = await api("POST", "/v1/review/bulk-approve", { ids: c.ids });
    for (const item of res.results) {
      const r = rowById(item.id);
      if (!r) continue;
      if (item.ok) {
        r.status = item.decision.new_status;
        r.ui = { state: "idle", decision: item.decision };
        state.undo.push({ decision: item.decision.id, candidate: r.id });
      } else {
        r.ui = { state: "error", error: item.message };
      }
    }
    say("Approved " + res.approved + " of " + c.ids.length + " as " + c.role + (res.failed ? " (" + res.failed + " refused)" : ""), res.failed ? "error" : "ok");
  } catch (e) {
    for (const id of c.ids) { const r = rowById(id); if (r && r.ui.state === "working") r.ui = { state: "idle" }; }
    say("Group approval failed: " + e.message, "error");
  }
  selectNextPending();
  render();
  loadHistory();
  refill();
}

// ---- the role picker (remap) -----------------------------------------------------------

function openPicker(r) {
  if (!r || r.status !== "pending") return;
  state.picker = { row: r, matches: [], index: 0 };
  $("picker-title").textContent = "Remap “" + (r.examples[0] || r.title) + "” to";
  $("picker").hidden = false;
  const input = $("picker-input");
  input.value = "";
  filterPicker();
  input.focus();
}

function closePicker() {
  state.picker = null;
  $("picker").hidden = true;
}

function filterPicker() {
  const p = state.picker;
  if (!p) return;
  const words = $("picker-input").value.toLowerCase().split(/\s+/).filter(Boolean);
  const q = words.join(" ");
  const score = (role) => (role.code.toLowerCase() === q ? 0 : role.name.toLowerCase().startsWith(q) ? 1 : 2);
  // Each word typed starts a word of the role's code, name or family ("ware" finds
  // Warehouse, not Software).
  const hit = (role) => words.every((w) => role.words.some((rw) => rw.startsWith(w)));
  p.matches = state.roles.filter(hit).sort((a, b) => score(a) - score(b)).slice(0, 12);
  p.index = 0;
  drawPicker();
}

function drawPicker() {
  const p = state.picker;
  const list = $("picker-list");
  list.replaceChildren(...p.matches.map((role, i) =>
    el("li", { role: "option", className: i === p.index ? "active" : "", dataset: { code: role.code } },
      el("code", {}, role.code), " ", role.name, el("span", { className: "small" }, " " + role.family))));
}

function pickRole(code) {
  const p = state.picker;
  closePicker();
  if (p && code) approve(p.row, { role: code });
}

function pickerKey(e) {
  const p = state.picker;
  if (e.key === "Escape") { closePicker(); e.preventDefault(); }
  else if (e.key === "ArrowDown") { p.index = Math.min(p.matches.length - 1, p.index + 1); drawPicker(); e.preventDefault(); }
  else if (e.key === "ArrowUp") { p.index = Math.max(0, p.index - 1); drawPicker(); e.preventDefault(); }
  else if (e.key === "Enter") { const m = p.matches[p.index]; pickRole(m && m.code); e.preventDefault(); }
}

// ---- keyboard and clicks ---------------------------------------------------------------

function onKey(e) {
  if (state.picker) { pickerKey(e); return; }
  if (state.confirm) {
    if (e.key === "Enter" || e.key === "y") { confirmGroup(true); e.preventDefault(); }
    else if (e.key === "Escape" || e.key === "n") { confirmGroup(false); e.preventDefault(); }
    return;
  }
  const t = e.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
  if (e.ctrlKey || e.metaKey || e.altKey || $("app").hidden) return;
  const r = state.rows[state.sel];
  switch (e.key) {
    case "j": case "ArrowDown": select(state.sel + 1); break;
    case "k": case "ArrowUp": select(state.sel - 1); break;
    case "a": approve(r); break;
    case "A": approve(r, { whole_title: true }); break;
    case "r": reject(r); break;
    case "m": openPicker(r); break;
    case "g": askGroup(); break;
    case "u": undo(); break;
    case ".": load(); loadHistory(); break;
    default: return;
  }
  e.preventDefault();
}

function onClick(e) {
  const b = e.target.closest("button[data-id]");
  if (b) {
    const r = rowById(Number(b.dataset.id));
    select(state.rows.indexOf(r));
    if (b.classList.contains("approve")) approve(r);
    else if (b.classList.contains("reject")) reject(r);
    else if (b.classList.contains("remap")) openPicker(r);
    return;
  }
  const li = e.target.closest("#picker-list li");
  if (li) { pickRole(li.dataset.code); return; }
  const tr = e.target.closest("#rows tr");
  if (tr) select(state.rows.findIndex((r) => String(r.id) === tr.dataset.id));
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin").addEventListener("submit", (e) => {
    e.preventDefault();
    state.token = $("token").value.trim();
    state.reviewer = $("reviewer").value.trim();
    signIn();
  });
  $("signout").addEventListener("click", signOut);
  $("reload").addEventListener("click", () => { load(); loadHistory(); });
  for (const id of ["status", "band", "min-count"]) $(id).addEventListener("change", load);
  $("confirm-yes").addEventListener("click", () => confirmGroup(true));
  $("confirm-no").addEventListener("click", () => confirmGroup(false));
  $("picker-input").addEventListener("input", filterPicker);
  document.addEventListener("keydown", onKey);
  document.addEventListener("click", onClick);
  signIn();
});
