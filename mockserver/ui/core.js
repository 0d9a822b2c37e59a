// The dashboard's core: calls to the admin and public APIs, the view registry, the router and
// the live refresh. Views (views.js, and any later file) call Dashboard.registerView; start.js
// starts the page once every view is registered.
"use strict";

const Dashboard = (() => {
  const KEYS = { admin: "llamacloud-mock.admin-key", api: "llamacloud-mock.api-key" };
  const REFRESH_MS = 1000;
  // Sent with the dashboard's own API calls, so that the Traffic view can tell them apart.
  const CLIENT_HEADER = "X-LlamaCloud-Mock-Client";
  const views = [];
  let current = null;
  let status = null;
  let busy = false;
  let samples = []; // [time in ms, requests received] for the request rate

  // ------------------------------------------------------------------ DOM
  // h("tr", {class: "x", onclick: f}, "text", child): elements built without innerHTML, so that
  // nothing a record holds is ever read as markup.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
      else if (name === "style") Object.assign(el.style, value);
      else el.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  // el.replaceChildren, leaving out the absent (null, false) instead of writing "null".
  function fill(el, ...children) {
    el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }

  function json(value) {
    return h("pre", { class: "json" }, JSON.stringify(value, null, 2));
  }

  // A paragraph for empty states: what is missing and what to do.
  function empty(...text) {
    return h("div", { class: "empty" }, ...text.map((t) => h("p", {}, t)));
  }

  function errorLine(id) {
    return h("p", { class: "error", id, role: "alert", hidden: true });
  }

  function showError(el, error) {
    el.textContent = error ? error.message : "";
    el.hidden = !error;
  }

  // ------------------------------------------------------------------ calls
  class ApiError extends Error {
    constructor(status, body, call) {
      super(describe(status, body, call));
      this.status = status;
      this.body = body;
    }
  }

  // The API's own words: FastAPI's {"detail": "..."} or {"detail": [{loc, msg}]}.
  function describe(status, body, call) {
    const detail = body && body.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map((d) => `${(d.loc || []).filter((p) => p !== "body").join(".")}: ${d.msg}`).join("; ");
    }
    return `${call} answered ${status}${body ? ": " + JSON.stringify(body) : ""}`;
  }

  async function call(method, path, { body, query, key, headers } = {}) {
    const url = new URL(path, location.origin);
    for (const [name, value] of Object.entries(query || {})) {
      if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, value);
    }
    const init = { method, headers: { ...headers } };
    if (key) init.headers.Authorization = `Bearer ${key}`;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (e) {
      throw new ApiError(0, null, `${method} ${path}: the server does not answer (is it still running?)`);
    }
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch (e) {
      parsed = text;
    }
    if (!response.ok) {
      const error = new ApiError(response.status, parsed, `${method} ${path}`);
      if (response.status === 401) signIn(error.message);
      throw error;
    }
    return parsed;
  }

  // The admin API (/_mock/...), with the admin key when the server has one.
  function admin(method, path, options = {}) {
    return call(method, path, { ...options, key: sessionStorage.getItem(KEYS.admin) });
  }

  // The public APIs (/api/..., /deployments/...), as an SDK calls them; any key works unless the
  // server has --api-key.
  function apiHeaders() {
    const key = sessionStorage.getItem(KEYS.api) || "llamacloud-mock-dashboard";
    return { Authorization: `Bearer ${key}`, [CLIENT_HEADER]: "dashboard" };
  }

  function api(method, path, options = {}) {
    return call(method, path, { ...options, headers: apiHeaders() });
  }

  // ------------------------------------------------------------------ sign-in
  function signIn(reason) {
    const dialog = document.getElementById("login");
    document.getElementById("login-reason").textContent = reason || "";
    if (!dialog.open) {
      dialog.showModal();
      document.getElementById("login-admin-key").focus();
    }
  }

  function setUpSignIn() {
    document.getElementById("login-form").addEventListener("submit", () => {
      for (const [kind, field] of [["admin", "login-admin-key"], ["api", "login-api-key"]]) {
        const value = document.getElementById(field).value.trim();
        if (value) sessionStorage.setItem(KEYS[kind], value);
        else sessionStorage.removeItem(KEYS[kind]);
        document.getElementById(field).value = "";
      }
      refreshSignOut();
      show(current ? current.id : null, true);
    });
    document.getElementById("sign-out").addEventListener("click", () => {
      sessionStorage.removeItem(KEYS.admin);
      sessionStorage.removeItem(KEYS.api);
      refreshSignOut();
      show(current ? current.id : null, true);
    });
    refreshSignOut();
  }

  function refreshSignOut() {
    document.getElementById("sign-out").hidden = !(sessionStorage.getItem(KEYS.admin) || sessionStorage.getItem(KEYS.api));
  }

  // ------------------------------------------------------------------ views
  // view: {id, title, key (a shortcut key), mount(root), refresh()}; refresh runs every second
  // while the view is shown and the tab visible, and nothing runs while the page is closed.
  function registerView(view) {
    views.push(view);
  }

  function buildNav() {
    const nav = document.getElementById("nav");
    nav.replaceChildren(
      ...views.map((view) =>
        h("li", {}, h("a", { href: `#/${view.id}`, id: `nav-${view.id}`, "aria-keyshortcuts": view.key }, view.title))
      )
    );
  }

  // force: mount again (after signing in); the heading takes the focus when the user changed view.
  async function show(id, force, initial) {
    const view = views.find((v) => v.id === id) || views[0];
    if (view === current && !force) return;
    current = view;
    for (const link of document.querySelectorAll("#nav a")) {
      if (link.id === `nav-${view.id}`) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `${view.title} · llamacloud-mock`;
    const root = document.getElementById("view");
    const heading = h("h2", { tabindex: -1 }, view.title);
    root.replaceChildren(heading);
    const started = performance.now();
    try {
      await refreshStatus();
      await view.mount(root);
      showProblem(null);
    } catch (e) {
      showProblem(e);
    }
    // when the view was shown, and how long it took (bench/dashboard.py reads these)
    performance.mark(`ready:${view.id}`);
    performance.measure(`view:${view.id}`, { start: started, end: performance.now() });
    root.dataset.ready = view.id;
    if (!force && !initial) heading.focus();
  }

  function showProblem(error) {
    showError(document.getElementById("problem"), error);
  }

  // ------------------------------------------------------------------ live refresh
  async function refreshStatus() {
    status = await admin("GET", "/_mock/status");
    const clock = status.clock;
    const kind = clock.virtual ? (clock.frozen ? "virtual, frozen" : "virtual, running") : "wall";
    document.getElementById("top-clock").textContent = `${clock.now} (${kind})`;
    const now = performance.now();
    samples = [...samples.filter(([t]) => now - t < 5000), [now, status.requests.received]];
    const [t0, r0] = samples[0];
    const rate = now > t0 && status.requests.received >= r0 ? ((status.requests.received - r0) * 1000) / (now - t0) : 0;
    status.rate = rate;
    document.getElementById("top-rate").textContent = status.requests.journal_size
      ? `${rate.toFixed(1)} req/s`
      : "journal off";
    return status;
  }

  // At once, after an action (the next tick would show its effect a second later).
  async function refreshNow() {
    await refreshStatus();
    if (current && current.refresh) await current.refresh();
  }

  async function tick() {
    if (busy || document.hidden || !current || document.getElementById("login").open) return;
    busy = true;
    try {
      await refreshStatus();
      if (current.refresh) await current.refresh();
      showProblem(null);
    } catch (e) {
      showProblem(e);
    } finally {
      busy = false;
    }
  }

  // ------------------------------------------------------------------ keyboard
  // Digits open the views (when no field has the focus); arrows move between a table's rows.
  function onKey(event) {
    const target = event.target;
    const typing = target.closest("input, textarea, select, [contenteditable]");
    if (!typing && !event.altKey && !event.ctrlKey && !event.metaKey) {
      const view = views.find((v) => v.key === event.key);
      if (view) {
        location.hash = `#/${view.id}`;
        event.preventDefault();
        return;
      }
    }
    const row = target.closest && target.closest("tr[tabindex]");
    if (!row) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const next = event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
      if (next && next.hasAttribute("tabindex")) next.focus();
      event.preventDefault();
    } else if (event.key === "Enter" || event.key === " ") {
      row.click();
      event.preventDefault();
    }
  }

  // A labelled form control.
  function field(id, label, control) {
    control.id = id;
    return h("div", { class: "field" }, h("label", { for: id }, label), control);
  }

  // A table row that opens something: focusable, Enter or a click opens it.
  function openRow(cells, open, selected) {
    return h(
      "tr",
      { tabindex: 0, class: selected ? "selected" : null, "aria-selected": selected ? "true" : "false", onclick: open },
      cells.map((cell) => h("td", {}, cell))
    );
  }

  // Whether value differs from the one last seen under holder[key] (and remember it), so that a
  // live refresh renders only what changed and leaves focus and selection alone.
  function changed(holder, key, value) {
    const text = JSON.stringify(value);
    if (holder[key] === text) return false;
    holder[key] = text;
    return true;
  }

  // A table whose rows open something: each row focusable, Enter or a click opens it.
  function rowsTable(caption, headers, rows) {
    return h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, headers.map((title) => h("th", { scope: "col" }, title)))),
      h("tbody", {}, rows)
    );
  }

  function start() {
    buildNav();
    setUpSignIn();
    document.addEventListener("keydown", onKey);
    window.addEventListener("hashchange", () => show(location.hash.slice(2)));
    show(location.hash.slice(2), false, true);
    setInterval(tick, REFRESH_MS);
  }

  return {
    registerView,
    start,
    refreshNow,
    admin,
    api,
    apiHeaders,
    h,
    field,
    openRow,
    changed,
    fill,
    json,
    empty,
    errorLine,
    showError,
    rowsTable,
    get status() {
      return status;
    },
  };
})();
