// The dashboard's views, each registered with Dashboard.registerView (see core.js). A view
// mounts into the page once, then refresh() keeps it live, asking the server only for what may
// have changed (the admin API's counts first, the public APIs when those moved).
"use strict";

(() => {
  const { h, fill, json, empty, errorLine, showError, rowsTable, admin, api, field, openRow, changed } = Dashboard;
  const number = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en"));
  const TERMINAL = new Set(["succeeded", "partially_succeeded", "failed", "cancelled"]);

  // ================================================================== Overview
  const TABLE_LABELS = {
    agent_data: "Agent Data records",
    extraction_agents: "Extraction agents",
    extraction_jobs: "Extraction jobs (v1)",
    extraction_runs: "Extraction runs (v1)",
    extract_v2_jobs: "Extract jobs (v2)",
    files: "Files",
    jobs: "Job lifecycles (v1 and v2)",
    projects: "Projects",
    webhook_deliveries: "Webhook deliveries",
    webhook_subscriptions: "Webhook subscriptions",
  };

  Dashboard.registerView({
    id: "overview",
    title: "Overview",
    key: "1",
    mount(root) {
      this.body = h("div", { class: "overview" });
      this.seen = {};
      root.append(this.body);
      this.render(true);
    },
    refresh() {
      this.render(false);
    },
    render(first) {
      const s = Dashboard.status;
      const live = {
        clock: s.clock,
        rate: s.rate.toFixed(1),
        memory: s.memory_bytes,
        received: s.requests.received,
      };
      if (!changed(this.seen, "counts", [s.counts, s.options]) && !changed(this.seen, "live", live) && !first) return;
      const total = Object.values(s.counts).reduce((a, b) => a + b, 0);
      const clock = s.clock.virtual ? `virtual, ${s.clock.frozen ? "frozen" : "running"}` : "wall time";
      fill(this.body, 
        h(
          "dl",
          { class: "facts" },
          h("dt", {}, "Version"), h("dd", { id: "overview-version" }, s.version),
          h("dt", {}, "Profile"), h("dd", {}, s.profile),
          h("dt", {}, "Clock"), h("dd", { id: "overview-clock" }, `${s.clock.now} (${clock})`),
          h("dt", {}, "Memory"), h("dd", {}, s.memory_bytes ? `${(s.memory_bytes / 1048576).toFixed(1)} MiB` : "unknown"),
          h("dt", {}, "Requests"),
          h(
            "dd",
            { id: "overview-requests" },
            s.requests.journal_size
              ? `${s.rate.toFixed(1)} per second; ${number(s.requests.received)} since the start or the last reset`
              : "not counted (the journal is off: --journal-size 0)"
          )
        ),
        total
          ? rowsTable(
              "What the fake holds",
              ["Table", "Documents"],
              Object.entries(s.counts).map(([name, count]) =>
                h("tr", {}, h("td", {}, TABLE_LABELS[name] || name), h("td", { class: "num", "data-table": name }, number(count)))
              )
            )
          : empty(
              "The fake holds nothing yet.",
              `Point an SDK at ${location.origin} with any API key (base_url="${location.origin}"), ` +
                "load a fixture (POST /_mock/fixtures), or start the server with --seed-file."
            ),
        rowsTable(
          "Options in force",
          ["Option", "Value"],
          Object.entries(s.options).map(([name, value]) =>
            h("tr", {}, h("td", {}, `--${name.replaceAll("_", "-")}`), h("td", {}, value === null ? "not set" : String(value)))
          )
        )
      );
    },
  });

  // ================================================================== Agent Data
  Dashboard.registerView({
    id: "agent-data",
    title: "Agent Data",
    key: "2",
    async mount(root) {
      this.seen = {};
      this.page = 0;
      this.collectionsEl = h("section", { "aria-labelledby": "collections-title" });
      this.recordsEl = h("section", { "aria-labelledby": "records-title" });
      this.error = errorLine("records-error");
      this.filter = h("textarea", { rows: 3, spellcheck: "false", placeholder: '{"status": {"eq": "done"}}' });
      this.orderBy = h("input", { type: "text", placeholder: "data.name desc, created_at" });
      this.pageSize = h("select", {}, [20, 50, 100, 200].map((n) => h("option", { value: n, selected: n === 50 }, n)));
      const form = h(
        "form",
        { class: "query", onsubmit: (e) => (e.preventDefault(), (this.page = 0), this.search()) },
        field("records-filter", "Filter (JSON, as the SDKs send it)", this.filter),
        field("records-order-by", "Order by", this.orderBy),
        field("records-page-size", "Page size", this.pageSize),
        h("div", { class: "actions" },
          h("button", { type: "submit" }, "Search"),
          h("button", { type: "button", class: "danger", onclick: () => this.deleteByQuery() }, "Delete matching…"))
      );
      this.results = h("div", { id: "records" });
      this.detail = h("div", { id: "record-detail" });
      this.recordsEl.append(h("h3", { id: "records-title" }, "Records"), form, this.error, this.results, this.detail);
      root.append(this.collectionsEl, this.recordsEl);
      await this.refresh();
    },
    async refresh() {
      const { items } = await admin("GET", "/_mock/agent-data/collections");
      const known = this.selected && items.find((c) => same(c, this.selected));
      if (!known) this.selected = items[0] || null;
      if (changed(this.seen, "collections", [items, this.selected])) {
        this.renderCollections(items);
        await this.search(true);
      }
    },
    renderCollections(items) {
      this.recordsEl.hidden = !items.length;
      if (!items.length) {
        fill(this.collectionsEl, 
          h("h3", { id: "collections-title" }, "Collections"),
          empty(
            "No Agent Data records yet.",
            "Create some with an SDK (agent data create) or POST /api/v1/beta/agent-data " +
              "with a deployment_name and data; they appear here as they arrive."
          )
        );
        return;
      }
      fill(this.collectionsEl, 
        h("h3", { id: "collections-title" }, "Collections"),
        rowsTable(
          "Deployments and collections, with their records",
          ["Deployment", "Collection", "Records", "Project"],
          items.map((c) =>
            openRow([c.deployment_name, c.collection, number(c.count), c.project_id], () => this.select(c), same(c, this.selected))
          )
        )
      );
    },
    select(collection) {
      this.selected = collection;
      this.page = 0;
      fill(this.detail);
      this.seen.collections = null;
      return this.refresh();
    },
    request() {
      const text = this.filter.value.trim();
      let filter = null;
      if (text) {
        try {
          filter = JSON.parse(text);
        } catch (e) {
          throw new Error(`The filter is not JSON (${e.message}): write it as the SDKs send it, e.g. {"status": {"eq": "done"}}`);
        }
      }
      const { deployment_name, collection } = this.selected;
      return { deployment_name, collection, filter, order_by: this.orderBy.value.trim() || null };
    },
    async search(live) {
      if (!this.selected) return;
      let page;
      const size = Number(this.pageSize.value);
      try {
        const body = { ...this.request(), offset: this.page * size, page_size: size, include_total: true };
        page = await api("POST", "/api/v1/beta/agent-data/:search", { body, query: { project_id: this.selected.project_id } });
        showError(this.error, null);
      } catch (e) {
        showError(this.error, e);
        if (!live) fill(this.results);
        return;
      }
      this.total = page.total_size;
      const pages = Math.max(1, Math.ceil(page.total_size / size));
      const first = this.page * size;
      const pageInput = h("input", { type: "number", min: 1, max: pages, value: this.page + 1, class: "narrow" });
      const go = (n) => {
        this.page = Math.min(Math.max(0, n), pages - 1);
        return this.search();
      };
      fill(this.results, 
        h("p", { id: "records-summary", "aria-live": "polite" },
          page.total_size
            ? `Records ${number(first + 1)}–${number(first + page.items.length)} of ${number(page.total_size)}`
            : "No record matches: change the filter, or create records with an SDK."),
        page.items.length
          ? rowsTable(
              `Records of ${this.selected.deployment_name} / ${this.selected.collection}`,
              ["Id", "Created", "Updated", "Data"],
              page.items.map((record) =>
                openRow([record.id, instant(record.created_at), instant(record.updated_at), h("code", {}, clip(JSON.stringify(record.data), 100))],
                  () => this.open(record))
              )
            )
          : null,
        h("nav", { class: "pager", "aria-label": "Pages of records" },
          h("button", { type: "button", disabled: this.page === 0, onclick: () => go(0) }, "First"),
          h("button", { type: "button", disabled: this.page === 0, onclick: () => go(this.page - 1) }, "Previous"),
          h("form", { onsubmit: (e) => (e.preventDefault(), go(Number(pageInput.value) - 1)) },
            field("records-page", "Page", pageInput), h("span", {}, ` of ${number(pages)}`)),
          h("button", { type: "button", disabled: this.page >= pages - 1, onclick: () => go(this.page + 1) }, "Next"),
          h("button", { type: "button", disabled: this.page >= pages - 1, onclick: () => go(pages - 1) }, "Last"))
      );
    },
    open(record) {
      const remove = async () => {
        if (!confirm(`Delete the record ${record.id}? This cannot be undone.`)) return;
        try {
          await api("DELETE", `/api/v1/beta/agent-data/${encodeURIComponent(record.id)}`, { query: { project_id: record.project_id } });
          fill(this.detail, h("p", { role: "status" }, `Deleted ${record.id}.`));
          await this.refresh();
        } catch (e) {
          showError(this.error, e);
        }
      };
      fill(this.detail, 
        h("h3", {}, `Record ${record.id}`),
        json(record),
        h("button", { type: "button", class: "danger", onclick: remove }, "Delete this record…")
      );
      this.detail.querySelector("h3").tabIndex = -1;
      this.detail.querySelector("h3").focus();
    },
    async deleteByQuery() {
      let body;
      try {
        body = this.request();
      } catch (e) {
        return showError(this.error, e);
      }
      const what = body.filter ? `matching ${JSON.stringify(body.filter)}` : "(no filter: every record of the collection)";
      if (!confirm(`Delete the ${number(this.total)} records of ${body.deployment_name} / ${body.collection} ${what}?`)) return;
      try {
        const result = await api("POST", "/api/v1/beta/agent-data/:delete", {
          body: { deployment_name: body.deployment_name, collection: body.collection, filter: body.filter },
          query: { project_id: this.selected.project_id },
        });
        fill(this.detail, h("p", { role: "status" }, `Deleted ${number(result.deleted_count)} records.`));
        this.seen.collections = null;
        await this.refresh();
      } catch (e) {
        showError(this.error, e);
      }
    },
  });

  function same(a, b) {
    return !!b && a.project_id === b.project_id && a.deployment_name === b.deployment_name && a.collection === b.collection;
  }

  // "2030-01-01 12:00:00", the whole instant in its tooltip
  function instant(text) {
    return h("time", { datetime: text, title: text }, text.replace("T", " ").slice(0, 19));
  }

  function plural(n, noun) {
    return `${number(n)} ${noun}${n === 1 ? "" : "s"}`;
  }

  function clip(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  // ================================================================== Extraction
  const JOBS_SHOWN = 200;

  Dashboard.registerView({
    id: "extraction",
    title: "Extraction",
    key: "3",
    async mount(root) {
      this.seen = {};
      this.results = {};
      this.project = Dashboard.status.options.default_project_id;
      this.agentsEl = h("section", { "aria-labelledby": "agents-title" });
      this.jobsEl = h("section", { "aria-labelledby": "jobs-title" });
      this.jobEl = h("section", { id: "job-detail", "aria-live": "polite" });
      this.filesEl = h("section", { "aria-labelledby": "files-title" });
      this.error = errorLine("extraction-error");
      const chooser = h("select", { onchange: (e) => ((this.project = e.target.value), (this.seen = {}), this.refresh()) },
        h("option", { value: this.project }, `Default (${this.project})`));
      // the other projects when asked for: listing them reads every table (40 ms over 100,000 records)
      const listProjects = async () => {
        chooser.removeEventListener("focus", listProjects);
        const projects = await api("GET", "/api/v1/projects");
        fill(chooser, projects.map((p) => h("option", { value: p.id, selected: p.id === this.project }, `${p.name} (${p.id})`)));
      };
      chooser.addEventListener("focus", listProjects);
      root.append(field("extraction-project", "Project (agents and files)", chooser), this.error,
        this.jobsEl, this.jobEl, h("div", { class: "split" }, this.agentsEl, this.filesEl));
      await this.refresh();
    },
    async refresh() {
      const counts = Dashboard.status.counts;
      const [jobs] = await Promise.all([
        admin("GET", "/_mock/jobs", { query: { limit: JOBS_SHOWN } }),
        // agents and files through the public API, only when their tables changed
        changed(this.seen, "tables", [counts.extraction_agents, counts.files, this.project]) ? this.readCatalog() : null,
      ]);
      const now = Date.parse(Dashboard.status.clock.now);
      if (changed(this.seen, "jobs", [jobs.items, now])) this.renderJobs(jobs.items, counts.jobs || 0, now);
      if (this.openJob) await this.renderJob(jobs.items.find((j) => j.id === this.openJob) || (await this.readJob(this.openJob)));
    },
    async readCatalog() {
      const query = { project_id: this.project };
      const [agents, files] = await Promise.all([
        api("GET", "/api/v1/extraction/extraction-agents", { query }),
        api("GET", "/api/v1/files", { query }),
      ]);
      this.renderAgents(agents);
      this.renderFiles(files);
    },
    renderAgents(agents) {
      const detail = h("div", { id: "agent-detail" });
      fill(this.agentsEl, 
        h("h3", { id: "agents-title" }, "Agents"),
        agents.length
          ? rowsTable("Extraction agents and their schemas", ["Name", "Fields", "Id"],
              agents.map((agent) =>
                openRow([agent.name, Object.keys((agent.data_schema || {}).properties || {}).join(", "), agent.id],
                  () => fill(detail, h("h4", {}, `Schema of ${agent.name}`), json(agent.data_schema)))))
          : empty("No extraction agent in this project.", "Create one with an SDK (LlamaExtract create_agent) or POST /api/v1/extraction/extraction-agents."),
        detail
      );
    },
    renderFiles(files) {
      const download = async (file) => {
        try {
          const { url } = await api("GET", `/api/v1/files/${encodeURIComponent(file.id)}/content`, { query: { project_id: this.project } });
          const link = h("a", { href: url, download: file.name });
          document.body.append(link);
          link.click();
          link.remove();
        } catch (e) {
          showError(this.error, e);
        }
      };
      fill(this.filesEl, 
        h("h3", { id: "files-title" }, "Files"),
        files.length
          ? rowsTable("Uploaded files", ["Name", "Size", "Created", "Content"],
              files.map((file) => h("tr", {},
                h("td", {}, file.name), h("td", { class: "num" }, number(file.file_size)), h("td", {}, instant(file.created_at)),
                h("td", {}, h("button", { type: "button", onclick: () => download(file), "aria-label": `Download ${file.name}` }, "Download")))))
          : empty("No file in this project.", "Upload one with an SDK (files upload) or POST /api/v1/files.")
      );
    },
    renderJobs(jobs, total, now) {
      if (!jobs.length) {
        fill(this.jobsEl, h("h3", { id: "jobs-title" }, "Jobs"),
          empty("No extraction job yet.",
            "Run one with an SDK (an agent's extract, or Extract v2's create): it appears here, queued, running, then done, " +
              "on the server's clock. With --virtual-clock, move that clock from the Clock view."));
        return;
      }
      const start = Math.min(...jobs.map((j) => Date.parse(j.history[0].at)));
      const span = Math.max(now - start, 1000);
      const byState = {};
      for (const job of jobs) byState[job.state] = (byState[job.state] || 0) + 1;
      fill(this.jobsEl, 
        h("h3", { id: "jobs-title" }, "Jobs"),
        h("p", { id: "jobs-summary" },
          `${total > jobs.length ? `The newest ${number(jobs.length)} of ${number(total)} jobs` : plural(jobs.length, "job")}: ` +
            Object.entries(byState).map(([state, n]) => `${n} ${state}`).join(", ") +
            `. The bars run from the first job's creation to the server's clock now.`),
        rowsTable("Jobs and their lifecycle (queued, running, done) on the server's clock", ["Job", "Kind", "State", "Lifecycle"],
          jobs.slice().reverse().map((job) =>
            openRow([job.id, job.kind, h("span", { class: `state ${job.state}` }, job.held ? `${job.state} (held)` : job.state),
              timeline(job, start, span, now)], () => this.open(job.id), job.id === this.openJob)))
      );
    },
    async readJob(id) {
      return admin("GET", `/_mock/jobs/${encodeURIComponent(id)}`);
    },
    async open(id) {
      this.openJob = id;
      this.seen.job = null;
      this.seen.jobs = null;
      await this.refresh();
      this.jobEl.querySelector("h3").focus();
    },
    async renderJob(job) {
      if (!changed(this.seen, "job", job)) return;
      const control = (label, path, body) =>
        h("button", { type: "button", onclick: async () => {
          try {
            await admin("POST", `/_mock/jobs/${encodeURIComponent(job.id)}/${path}`, { body });
            showError(this.error, null);
            await this.refresh();
          } catch (e) {
            showError(this.error, e);
          }
        } }, label);
      const reason = h("input", { type: "text", placeholder: "The document could not be read" });
      const done = TERMINAL.has(job.state);
      let result = null;
      if (done && job.state !== "cancelled") result = await this.result(job);
      fill(this.jobEl, 
        h("h3", { tabindex: -1 }, `Job ${job.id}`),
        h("p", { id: "job-state" }, `${job.kind}: ${job.state}${job.held ? " (held)" : ""}${job.error ? ` – ${job.error}` : ""}`),
        done
          ? null
          : h("div", { class: "actions" },
              control("Hold queued", "hold", { state: "queued" }),
              control("Hold running", "hold", { state: "running" }),
              control("Release", "release"),
              control("Next step", "advance"),
              control("Finish", "finish", { outcome: "succeeded" }),
              field("job-fail-reason", "Error", reason),
              h("button", { type: "button", class: "danger", onclick: async () => {
                try {
                  await admin("POST", `/_mock/jobs/${encodeURIComponent(job.id)}/finish`,
                    { body: { outcome: "failed", error: reason.value.trim() || null } });
                  await this.refresh();
                } catch (e) {
                  showError(this.error, e);
                }
              } }, "Fail"),
              control("Cancel", "finish", { outcome: "cancelled" })),
        h("div", { class: "split" },
          h("div", {}, h("h4", {}, "Lifecycle"), json(job)),
          h("div", {}, h("h4", {}, "Result"),
            result ? json(result) : h("p", {}, done ? "No result (the job did not succeed)." : "Not finished yet.")))
      );
    },
    async result(job) {
      if (!(job.id in this.results)) {
        const query = { project_id: this.project };
        const path = job.kind === "extract_v2"
          ? `/api/v2/extract/${encodeURIComponent(job.id)}`
          : `/api/v1/extraction/jobs/${encodeURIComponent(job.id)}/result`;
        try {
          this.results[job.id] = await api("GET", path, { query });
        } catch (e) {
          this.results[job.id] = { error: e.message };
        }
      }
      return this.results[job.id];
    },
  });

  // One bar per job: a segment per state, from its transition to the next (or to now).
  function timeline(job, start, span, now) {
    const bar = h("div", { class: "timeline", role: "img", "aria-label": job.history.map((t) => `${t.state} at ${t.at}`).join(", ") });
    job.history.forEach((step, i) => {
      const from = Date.parse(step.at);
      const to = i + 1 < job.history.length ? Date.parse(job.history[i + 1].at) : TERMINAL.has(step.state) ? from : now;
      bar.append(h("span", {
        class: `segment ${step.state}`,
        title: `${step.state} from ${step.at}`,
        style: { left: `${((from - start) / span) * 100}%`, width: `max(3px, ${((to - from) / span) * 100}%)` },
      }));
    });
    return bar;
  }

  // ================================================================== Clock
  const UNITS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

  function seconds(text) {
    const found = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
    if (!found) throw new Error(`"${text}" is not a duration: write a number of seconds or one such as 90s, 5m, 2h, 1d`);
    return Number(found[1]) * UNITS[found[2] || "s"];
  }

  Dashboard.registerView({
    id: "clock",
    title: "Clock",
    key: "4",
    mount(root) {
      this.seen = {};
      this.now = h("p", { id: "clock-now", class: "big", "aria-live": "polite" });
      this.kind = h("p", { id: "clock-kind" });
      this.error = errorLine("clock-error");
      this.duration = h("input", { type: "text", value: "60s", class: "narrow" });
      this.instant = h("input", { type: "text", placeholder: "2030-01-01T00:00:00Z" });
      const act = async (path, body) => {
        try {
          await admin("POST", `/_mock/clock/${path}`, { body: body && body() });
          showError(this.error, null);
          await Dashboard.refreshNow();
        } catch (e) {
          showError(this.error, e);
        }
      };
      this.controls = h("div", { class: "clock-controls" },
        h("form", { onsubmit: (e) => (e.preventDefault(), act("advance", () => ({ seconds: seconds(this.duration.value) }))) },
          field("clock-advance", "Advance by (90s, 5m, 2h, 1d)", this.duration), h("button", { type: "submit" }, "Advance")),
        h("form", { onsubmit: (e) => (e.preventDefault(), act("set", () => ({ now: this.instant.value.trim() }))) },
          field("clock-set", "Set to (an ISO 8601 instant)", this.instant), h("button", { type: "submit" }, "Set")),
        h("div", { class: "actions" },
          h("button", { type: "button", id: "clock-freeze", onclick: () => act("freeze") }, "Freeze"),
          h("button", { type: "button", id: "clock-resume", onclick: () => act("resume") }, "Resume")));
      root.append(this.now, this.kind, this.error, this.controls,
        h("p", { class: "hint" }, "Job statuses are computed from this clock when read: the Extraction view's jobs move with it."));
      this.refresh();
    },
    refresh() {
      const clock = Dashboard.status.clock;
      if (!changed(this.seen, "clock", clock)) return;
      this.now.textContent = clock.now;
      this.kind.textContent = clock.virtual
        ? `Virtual clock, ${clock.frozen ? "frozen: it moves only when advanced or set" : "running at wall speed"}.`
        : "Wall time: the server follows the machine's clock. Start it with --virtual-clock to move time from here.";
      for (const control of this.controls.querySelectorAll("input, button")) control.disabled = !clock.virtual;
    },
  });

  // ================================================================== Traffic
  const API_PATHS = {
    "Agent Data": "/api/v1/beta/agent-data*",
    "Extraction v1": "/api/v1/extraction/*",
    "Extract v2": "/api/v2/extract*",
    Files: "*/files*",
    Projects: "/api/v*/projects*",
  };
  const TAIL_ROWS = 100; // the newest shown (filters ask the server for the others)

  Dashboard.registerView({
    id: "traffic",
    title: "Traffic",
    key: "5",
    async mount(root) {
      this.seen = {};
      this.entries = [];
      this.last = 0;
      this.error = errorLine("traffic-error");
      this.faultError = errorLine("fault-error");
      const filters = {
        method: h("select", {}, ["", "GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => h("option", { value: m }, m || "any"))),
        path: h("input", { type: "text", placeholder: "/api/v1/beta/agent-data*" }),
        status: h("input", { type: "text", class: "narrow", placeholder: "404" }),
        api: h("select", {}, h("option", { value: "" }, "any"), Object.keys(API_PATHS).map((name) => h("option", { value: name }, name))),
      };
      this.filters = filters;
      this.hideOwn = h("input", { type: "checkbox", checked: true });
      this.paused = h("input", { type: "checkbox" });
      const restart = () => ((this.entries = []), (this.last = 0), (this.seen.tail = null), this.refresh());
      const form = h("form", { class: "query", onsubmit: (e) => (e.preventDefault(), restart()) },
        field("traffic-method", "Method", filters.method),
        field("traffic-path", "Path (a glob, * matches anything)", filters.path),
        field("traffic-status", "Status", filters.status),
        field("traffic-api", "API", filters.api),
        h("div", { class: "actions" },
          h("button", { type: "submit" }, "Apply"),
          h("label", {}, this.hideOwn, " Hide the dashboard's own calls"),
          h("label", {}, this.paused, " Pause")));
      this.hideOwn.addEventListener("change", () => ((this.seen.tail = null), this.renderTail()));
      this.tail = h("div", { id: "tail" });
      this.entryEl = h("section", { id: "entry-detail" });
      this.faultsEl = h("section", { "aria-labelledby": "faults-title" });
      root.append(h("section", { "aria-labelledby": "journal-title" }, h("h3", { id: "journal-title" }, "Requests"), form, this.error, this.tail),
        this.entryEl, this.faultsEl);
      this.mountFaults();
      await this.refresh();
    },
    query() {
      const f = this.filters;
      return {
        method: f.method.value,
        path: f.path.value.trim() || API_PATHS[f.api.value] || "",
        status: f.status.value.trim(),
        after: this.last || null,
        limit: TAIL_ROWS,
      };
    },
    async refresh() {
      const [page, faults] = await Promise.all([
        this.paused.checked ? null : admin("GET", "/_mock/requests", { query: this.query() }).catch((e) => e),
        admin("GET", "/_mock/faults"),
      ]);
      if (page instanceof Error) {
        showError(this.error, page);
      } else if (page) {
        showError(this.error, null);
        if (page.received < this.last) this.entries = []; // the journal was cleared
        this.entries = [...page.items.slice().reverse(), ...this.entries].slice(0, TAIL_ROWS);
        if (page.items.length) this.last = page.items[page.items.length - 1].seq;
        this.journal = page;
        this.renderTail();
      }
      if (changed(this.seen, "faults", faults.items)) this.renderFaults(faults.items);
    },
    renderTail() {
      const shown = this.entries.filter((e) => !(this.hideOwn.checked && e.headers["x-llamacloud-mock-client"] === "dashboard"));
      if (!changed(this.seen, "tail", [shown.map((e) => [e.seq, e.status]), this.journal && this.journal.size])) return;
      if (!this.journal.size) {
        fill(this.tail, empty("The journal is off (--journal-size 0): start the server without it to see requests here."));
        return;
      }
      fill(this.tail, 
        shown.length
          ? rowsTable(`The newest requests first (live; the journal keeps the last ${number(this.journal.size)})`,
              ["#", "Received", "Method", "Path", "Status", "ms", "Fault"],
              shown.map((e) => openRow([e.seq, e.received_at.slice(11, 23), e.method, e.path + (e.query ? `?${e.query}` : ""),
                h("span", { class: `status s${String(e.status)[0]}` }, e.status === null ? "dropped" : e.status),
                e.duration_ms === null ? "" : e.duration_ms.toFixed(1), e.fault || ""], () => this.openEntry(e))))
          : empty("No request matches yet.", "Call the fake with an SDK or curl: requests appear here as they arrive.")
      );
    },
    openEntry(entry) {
      const curl = asCurl(entry);
      const curlEl = h("pre", { id: "entry-curl" }, curl);
      const copied = h("span", { role: "status" });
      fill(this.entryEl, 
        h("h3", { tabindex: -1 }, `Request #${entry.seq}: ${entry.method} ${entry.path}`),
        h("div", { class: "split" },
          h("div", {}, h("h4", {}, "Request"),
            h("p", {}, `${entry.method} ${entry.path}${entry.query ? `?${entry.query}` : ""}`),
            json(entry.headers),
            entry.body === null ? h("p", {}, "No body.") : json(entry.body),
            entry.body_truncated ? h("p", {}, `Body cut at 64 KiB of ${number(entry.body_size)} bytes.`) : null),
          h("div", { id: "entry-response" }, h("h4", {}, "Response"),
            h("p", { id: "entry-status" },
              entry.status === null
                ? "No answer: the connection was dropped."
                : `Status ${entry.status}${entry.duration_ms === null ? "" : ` in ${entry.duration_ms.toFixed(1)} ms`}`),
            entry.fault ? h("p", {}, `Answered by the fault rule ${entry.fault}.`) : null,
            entry.status === null ? null : json(entry.response_headers),
            entry.response_streamed
              ? h("p", {}, `A stream (${number(entry.response_body_size)} bytes sent): a stream's body is not recorded.`)
              : entry.response_body === null ? h("p", {}, "No body.") : json(entry.response_body),
            entry.response_body_truncated
              ? h("p", {}, `Body cut at 64 KiB of ${number(entry.response_body_size)} bytes.`) : null)),
        h("h4", {}, "As curl"), curlEl,
        h("button", { type: "button", onclick: async () => {
          try {
            await navigator.clipboard.writeText(curl);
            copied.textContent = "Copied.";
          } catch (e) {
            copied.textContent = "The browser refused the clipboard: select the command above instead.";
          }
        } }, "Copy as curl"), copied
      );
      this.entryEl.querySelector("h3").focus();
    },
    mountFaults() {
      const inputs = {};
      const text = (name, label, placeholder, cls) =>
        field(`fault-${name}`, label, (inputs[name] = h("input", { type: "text", placeholder, class: cls })));
      const drop = (inputs.drop = h("input", { type: "checkbox" }));
      const form = h("form", { class: "query fault-form", onsubmit: (e) => (e.preventDefault(), this.addFault(inputs)) },
        h("fieldset", {}, h("legend", {}, "Match (all given must hold)"),
          text("operation", "Operation", "create_agent_data"), text("method", "Method", "POST", "narrow"), text("path", "Path glob", "/api/v1/beta/agent-data*")),
        h("fieldset", {}, h("legend", {}, "Fire (at most one of nth, every, probability)"),
          text("nth", "Nth", "1", "narrow"), text("every", "Every", "2", "narrow"), text("probability", "Probability", "0.5", "narrow"),
          text("seed", "Seed", "0", "narrow"), text("times", "Times", "1", "narrow")),
        h("fieldset", {}, h("legend", {}, "Act"),
          text("status", "Status", "503", "narrow"), text("latency", "Latency (s)", "0.5", "narrow"),
          text("body", "Body (JSON)", '{"detail": "Service Unavailable"}'), text("headers", "Headers (JSON)", '{"Retry-After": "1"}'),
          h("div", { class: "field" }, h("label", {}, drop, " Drop the connection"))),
        h("button", { type: "submit" }, "Add the rule"));
      this.faultList = h("div", { id: "faults" });
      this.faultsEl.append(h("h3", { id: "faults-title" }, "Fault rules"), this.faultList, h("h4", {}, "Add a rule"), form, this.faultError);
    },
    async addFault(inputs) {
      const rule = {};
      try {
        for (const [name, input] of Object.entries(inputs)) {
          if (name === "drop") {
            if (input.checked) rule.drop = true;
            continue;
          }
          const value = input.value.trim();
          if (!value) continue;
          if (["nth", "every", "seed", "times", "status", "probability", "latency"].includes(name)) {
            rule[name] = Number.isNaN(Number(value)) ? value : Number(value); // the API says what is wrong
          } else if (name === "body" || name === "headers") {
            try {
              rule[name] = JSON.parse(value);
            } catch (e) {
              throw new Error(`The ${name} is not JSON (${e.message}).`);
            }
          } else {
            rule[name] = value;
          }
        }
        await admin("POST", "/_mock/faults", { body: rule });
        showError(this.faultError, null);
        for (const input of Object.values(inputs)) input.type === "checkbox" ? (input.checked = false) : (input.value = "");
        await this.refresh();
      } catch (e) {
        showError(this.faultError, e);
      }
    },
    renderFaults(rules) {
      const remove = async (rule) => {
        try {
          await admin("DELETE", `/_mock/faults/${encodeURIComponent(rule.id)}`);
          await this.refresh();
        } catch (e) {
          showError(this.faultError, e);
        }
      };
      const describeMatch = (r) => [r.operation, r.method, r.path].filter(Boolean).join(" ") || "every request";
      const describeFire = (r) =>
        [r.nth && `on match ${r.nth} only`, r.every && `on every ${r.every} matches`, r.probability !== null && `with probability ${r.probability}`,
          r.times && `at most ${r.times === 1 ? "once" : `${r.times} times`}`]
          .filter(Boolean).join(", ") || "always";
      const describeAct = (r) =>
        [r.latency && `wait ${r.latency}s`, r.status && `answer ${r.status}`, r.drop && "drop the connection"].filter(Boolean).join(", ");
      fill(this.faultList, 
        rules.length
          ? rowsTable("Fault rules, in the order they are checked", ["Rule", "Matches", "Fires", "Acts", "Matched", "Fired", "Action"],
              rules.map((r) => h("tr", { class: r.exhausted ? "exhausted" : null },
                h("td", {}, r.id), h("td", {}, describeMatch(r)), h("td", {}, describeFire(r)), h("td", {}, describeAct(r)),
                h("td", { class: "num" }, r.matched), h("td", { class: "num" }, r.fired),
                h("td", {}, h("button", { type: "button", class: "danger", onclick: () => remove(r), "aria-label": `Remove the rule ${r.id}` }, "Remove")))))
          : empty("No fault rule: every request is answered normally.", "Add one below to make the next calls fail, wait or drop.")
      );
    },
  });

  function quote(text) {
    return `'${String(text).replaceAll("'", "'\\''")}'`;
  }

  function asCurl(entry) {
    const url = `${location.origin}${entry.path}${entry.query ? `?${entry.query}` : ""}`;
    const parts = ["curl", "-X", entry.method, quote(url)];
    for (const [name, value] of Object.entries(entry.headers)) {
      if (!["host", "content-length", "connection", "accept-encoding", "x-llamacloud-mock-client"].includes(name)) {
        parts.push("-H", quote(`${name}: ${value}`));
      }
    }
    if (entry.body !== null) parts.push("--data-raw", quote(typeof entry.body === "string" ? entry.body : JSON.stringify(entry.body)));
    return parts.join(" ");
  }
})();
