// flowmock request inspector: polls the admin API of the server that serves this page (same origin only).
"use strict";

const ADMIN = "/__flowmock";
const TOKEN_KEY = "flowmock-admin-token";
const KEEP = 2000; // entries the page keeps, newest last
const POLL_MS = 1000;

const view = {entries: [], lastSeq: 0, clears: null, paused: false, expanded: new Set(), apis: [], stopped: false,
              resetArmed: null, dirty: true};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// ---- talking to the admin API ----
class NeedsToken extends Error {}

async function admin(path, init = {}) {
  const headers = {...(init.headers || {})};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["X-Flowmock-Admin-Token"] = token;
  const response = await fetch(ADMIN + path, {...init, headers, credentials: "same-origin", cache: "no-store"});
  if (response.status === 401) {
    askForToken(token ? "That is not this server's admin token." : "");
    throw new NeedsToken();
  }
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try { detail = (await response.json()).detail || detail; } catch (e) { /* not a problem body */ }
    throw new Error(detail);
  }
  return response;
}

function askForToken(message) {
  view.stopped = true;
  $("token-panel").hidden = false;
  $("token-error").textContent = message;
  $("token").focus();
}

function notify(text, kind = "info") {
  const notice = $("notice");
  notice.textContent = text;
  notice.className = kind;
}

// ---- the request list ----
async function poll() {
  if (!view.paused && !view.stopped) {
    try {
      const response = await admin(`/journal?since=${view.lastSeq}`);
      const clears = response.headers.get("X-Flowmock-Journal-Clears");
      const fresh = await response.json();
      if (view.clears !== null && clears !== view.clears) {
        view.entries = [];
        view.expanded.clear();
        view.dirty = true;
      }
      view.clears = clears;
      if (fresh.length) {
        view.entries.push(...fresh);
        if (view.entries.length > KEEP) view.entries.splice(0, view.entries.length - KEEP);
        view.lastSeq = fresh[fresh.length - 1].seq;
        view.dirty = true;
      }
      if ($("notice").className === "error") notify("");
    } catch (error) {
      if (!(error instanceof NeedsToken)) notify(`Cannot read the journal: ${error.message}`, "error");
    }
  }
  if (view.dirty) renderRequests();
  setTimeout(poll, POLL_MS);
}

function statusClass(status) {
  return status ? `s${String(status)[0]}xx` : "s0";
}

function filters() {
  return {api: $("f-api").value, operation: $("f-operation").value, status: $("f-status").value,
          text: $("f-text").value.trim().toLowerCase()};
}

function searchable(entry) {
  if (!entry._text) {
    const parts = [entry.method, entry.path, entry.query, entry.operation_id, entry.status, entry.tenant, entry.source,
                   entry.request.body, entry.response.body, ...entry.request.headers.flat(), ...entry.response.headers.flat(),
                   ...entry.errors.map((e) => `${e.field} ${e.message}`)];
    entry._text = parts.filter((p) => p !== null && p !== undefined).join("\n").toLowerCase();
  }
  return entry._text;
}

function shown(entry, f) {
  return (!f.api || entry.api === f.api)
    && (!f.operation || entry.operation_id === f.operation)
    && (!f.status || statusClass(entry.status) === `s${f.status}`)
    && (!f.text || searchable(entry).includes(f.text));
}

function renderRequests() {
  view.dirty = false;
  const f = filters();
  const rows = [];
  let count = 0;
  for (let i = view.entries.length - 1; i >= 0; i--) {  // newest first
    const entry = view.entries[i];
    if (!shown(entry, f)) continue;
    count++;
    const open = view.expanded.has(entry.seq);
    const target = entry.path + (entry.query ? `?${entry.query}` : "");
    rows.push(el("tr", {class: `row ${statusClass(entry.status)}${open ? " open" : ""}${entry.errors.length ? " invalid" : ""}`,
                        "data-seq": entry.seq, title: "click to show headers and bodies"},
      el("td", {class: "time"}, entry.time.slice(11, 23)),
      el("td", {class: "method"}, entry.method),
      el("td", {class: "path"}, target),
      el("td", {class: "operation"}, entry.operation_id || "—"),
      el("td", {class: "status"}, entry.status || "—"),
      el("td", {class: "duration"}, entry.duration_ms.toFixed(1)),
      el("td", {class: "tenant"}, entry.tenant || ""),
      el("td", {class: "source"}, el("span", {class: `badge ${entry.source}`}, entry.source))));
    if (open) rows.push(el("tr", {class: "detail", "data-seq": entry.seq}, el("td", {colSpan: 8}, details(entry))));
  }
  $("requests").tBodies[0].replaceChildren(...rows);
  $("count").textContent = `${count} of ${view.entries.length} request(s)`;
  $("empty").hidden = view.entries.length > 0;
}

function details(entry) {
  const parts = [];
  if (entry.errors.length) {
    parts.push(el("div", {class: "errors"}, el("h3", {}, "Validation errors"),
      el("ul", {}, entry.errors.map((e) => el("li", {},
        el("code", {class: "field"}, [e.location, e.field].filter(Boolean).join(" › ") || "request"), " ", e.message)))));
  }
  if (entry.closest && entry.closest.length) {
    parts.push(el("div", {class: "closest"}, el("h3", {}, "No recording matched; the closest recordings"),
      el("ol", {}, entry.closest.map((miss) => el("li", {},
        el("code", {}, `${miss.method} ${miss.path}${miss.query ? "?" + miss.query : ""}`),
        ` (${miss.cassette} #${miss.interaction}): `,
        miss.failed.map((f) => `${f.matcher}: ${f.reason}`).join("; ") || "matches now")))));
  }
  parts.push(el("div", {class: "exchange"}, side("Request", entry.request), side("Response", entry.response)));
  return parts;
}

function side(title, captured) {
  const size = captured.truncated ? ` (first ${captured.body.length} characters of ${captured.size} bytes: cut)` :
    captured.size ? ` (${captured.size} bytes)` : "";
  return el("div", {class: "side"},
    el("h3", {}, title),
    el("table", {class: "headers"}, captured.headers.map(([name, value]) =>
      el("tr", {}, el("th", {}, name), el("td", {}, value)))),
    el("h4", {}, "body", el("span", {class: captured.truncated ? "truncated" : "size"}, size)),
    el("pre", {class: "body"}, pretty(captured.body) || "(empty)"));
}

function pretty(text) {
  if (!text) return "";
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
}

// ---- filters from the served APIs ----
async function loadApis() {
  try {
    view.apis = await (await admin("/apis")).json();
  } catch (error) {
    if (!(error instanceof NeedsToken)) notify(`Cannot list the served APIs: ${error.message}`, "error");
    return;
  }
  $("f-api").replaceChildren(el("option", {value: ""}, "all APIs"), ...view.apis.map((a) => el("option", {value: a.name}, a.name)));
  fillOperations();
  const first = view.apis[0];
  const op = first && first.operations.find((o) => o.method === "GET" && !o.path.includes("{"));
  if (op) $("example").textContent = `curl ${location.origin}${first.prefix}${first.base_path === "/" ? "" : first.base_path}${op.path}` +
    ` -H "Authorization: Bearer dev"`;
}

function fillOperations() {
  const api = $("f-api").value;
  const chosen = $("f-operation").value;
  const ops = view.apis.filter((a) => !api || a.name === api).flatMap((a) => a.operations.map((o) => o.operationId));
  $("f-operation").replaceChildren(el("option", {value: ""}, "all operations"),
    ...[...new Set(ops)].sort().map((id) => el("option", {value: id, selected: id === chosen}, id)));
}

// ---- buttons ----
async function clearJournal() {
  try {
    await admin("/journal", {method: "DELETE"});
    view.entries = [];
    view.expanded.clear();
    renderRequests();
    notify("Journal cleared.");
  } catch (error) {
    if (!(error instanceof NeedsToken)) notify(`Cannot clear the journal: ${error.message}`, "error");
  }
}

async function reset() {
  const button = $("reset");
  if (!view.resetArmed) {  // two clicks: a reset throws away what the clients stored
    button.textContent = "Click again to reset";
    view.resetArmed = setTimeout(() => { view.resetArmed = null; button.textContent = "Reset state"; }, 4000);
    return;
  }
  clearTimeout(view.resetArmed);
  view.resetArmed = null;
  button.textContent = "Reset state";
  try {
    await admin("/reset", {method: "POST"});
    view.entries = [];
    view.expanded.clear();
    renderRequests();
    notify("Every tenant is back to the loaded fixtures; the journal was cleared.");
    if (!$("state-view").hidden) loadState();
  } catch (error) {
    if (!(error instanceof NeedsToken)) notify(`Cannot reset: ${error.message}`, "error");
  }
}

// ---- stored state ----
async function loadState() {
  const tenant = $("tenant").value || "default";
  let data;
  try {
    data = await (await admin(`/resources?tenant=${encodeURIComponent(tenant)}`)).json();
  } catch (error) {
    if (!(error instanceof NeedsToken)) notify(`Cannot read the stored state: ${error.message}`, "error");
    return;
  }
  $("tenant").replaceChildren(...data.tenants.map((t) => el("option", {value: t, selected: t === data.tenant}, t)));
  const total = data.resources.reduce((n, r) => n + r.count, 0);
  $("state-summary").textContent = `${total} object(s) in ${data.resources.length} collection(s)` +
    (data.own_state ? "" : " (the loaded fixtures: this tenant has written nothing yet)");
  const byApi = new Map();
  for (const r of data.resources) byApi.set(r.api, [...(byApi.get(r.api) || []), r]);
  $("resources").replaceChildren(...[...byApi].map(([api, collections]) => el("section", {class: "api"},
    el("h2", {}, api),
    collections.map((c) => el("details", {class: "collection"},
      el("summary", {}, el("span", {class: "resource"}, c.resource),
        c.parents.length ? el("span", {class: "parents"}, ` under ${c.parents.join(" / ")}`) : null,
        el("span", {class: "count"}, `${c.count}`)),
      el("pre", {class: "body"}, JSON.stringify(c.items, null, 2) + (c.count > c.items.length ?
        `\n… and ${c.count - c.items.length} more` : "")))))));
  if (!data.resources.length) $("resources").replaceChildren(el("p", {}, "Nothing stored."));
}

function showTab(name) {
  $("requests-view").hidden = name !== "requests";
  $("state-view").hidden = name !== "state";
  $("tab-requests").classList.toggle("active", name === "requests");
  $("tab-state").classList.toggle("active", name === "state");
  if (name === "state") loadState();
}

function wire() {
  $("requests").tBodies[0].addEventListener("click", (event) => {
    const row = event.target.closest("tr.row");
    if (!row) return;
    const seq = Number(row.dataset.seq);
    if (view.expanded.has(seq)) view.expanded.delete(seq); else view.expanded.add(seq);
    renderRequests();
  });
  for (const id of ["f-api", "f-operation", "f-status"]) $(id).addEventListener("change", () => {
    if (id === "f-api") fillOperations();
    renderRequests();
  });
  $("f-text").addEventListener("input", renderRequests);
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("pause").addEventListener("click", () => {
    view.paused = !view.paused;
    $("pause").textContent = view.paused ? "Resume" : "Pause";
    $("live").classList.toggle("paused", view.paused);
    $("live").textContent = view.paused ? "paused" : "live";
  });
  $("clear-journal").addEventListener("click", clearJournal);
  $("reset").addEventListener("click", reset);
  $("tab-requests").addEventListener("click", () => showTab("requests"));
  $("tab-state").addEventListener("click", () => showTab("state"));
  $("tenant").addEventListener("change", loadState);
  $("refresh-state").addEventListener("click", loadState);
  $("state-form").addEventListener("submit", (event) => event.preventDefault());
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value);
    $("token").value = "";
    $("token-panel").hidden = true;
    view.stopped = false;
    loadApis();
  });
}

wire();
loadApis();
poll();
