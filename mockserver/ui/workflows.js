// The Workflows view: the workflow runs of the scenario files (--workflows). The handlers are
// polled from the admin API every second; a run's events come from the public event stream,
// GET /deployments/{name}/events/{id} in SSE, as an app's UI watches them: each event shows the
// moment it is sent, and what is shown is exactly what a client receives. The stream is read with
// fetch, not EventSource, because EventSource cannot send the API key a server with --api-key asks.
"use strict";

(() => {
  const { h, fill, json, empty, errorLine, showError, rowsTable, admin, api, field, openRow, changed } = Dashboard;
  const STATUSES = ["running", "completed", "failed", "cancelled"];
  const ROWS = 200; // the handlers listed (the summary counts them all)

  // ------------------------------------------------------------------ forms from JSON Schemas
  // A form's controls for an event's fields: one per property of the schema (text, number,
  // checkbox, or JSON for objects and arrays), and a JSON object for any other field when the
  // schema leaves them open (an event without declared fields takes any).
  function eventFields(prefix, what, schema) {
    const properties = (schema && schema.properties) || {};
    const required = new Set((schema && schema.required) || []);
    const controls = [];
    const read = [];
    for (const [name, property] of Object.entries(properties)) {
      const type = property.type;
      const label = `${name}${required.has(name) ? " (required)" : ""}${type ? `: ${type}` : ""}`;
      const id = `${prefix}-field-${name}`;
      if (type === "boolean") {
        const box = h("input", { type: "checkbox", id });
        controls.push(h("div", { class: "field" }, h("label", { for: id }, box, ` ${label}`)));
        read.push((value) => (value[name] = box.checked));
      } else if (type === "string" || type === "number" || type === "integer") {
        const input = h("input", { type: type === "string" ? "text" : "number", step: type === "number" ? "any" : null });
        controls.push(field(id, label, input));
        read.push((value) => {
          if (input.value !== "") value[name] = type === "string" ? input.value : Number(input.value);
        });
      } else {
        const area = h("textarea", { rows: 2, placeholder: "JSON" });
        controls.push(field(id, label, area));
        read.push((value) => {
          if (area.value.trim()) value[name] = parseJson(area.value, name);
        });
      }
    }
    if (!Object.keys(properties).length || (schema && schema.additionalProperties !== false)) {
      const area = h("textarea", { rows: 2, placeholder: '{"field": "value"}' });
      const label = `${Object.keys(properties).length ? "Other fields" : "Fields"} of the ${what} (a JSON object)`;
      controls.push(field(`${prefix}-other`, label, area));
      read.push((value) => {
        if (!area.value.trim()) return;
        const other = parseJson(area.value, "fields");
        if (other === null || typeof other !== "object" || Array.isArray(other)) throw new Error("The fields must be a JSON object.");
        Object.assign(value, other);
      });
    }
    return {
      controls,
      read() {
        const value = {};
        for (const step of read) step(value);
        return value;
      },
    };
  }

  function parseJson(text, what) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error(`The ${what} are not JSON (${e.message}).`);
    }
  }

  // ------------------------------------------------------------------ the event stream
  // Calls onEvent(sequence, envelope) for each event of the run's public SSE stream, from its
  // first; resolves when the stream ends (the run ended) or signal aborts it.
  async function streamEvents(deployment, handlerId, onEvent, signal) {
    const path = `/deployments/${encodeURIComponent(deployment)}/events/${encodeURIComponent(handlerId)}?after_sequence=-1`;
    const response = await fetch(path, { headers: Dashboard.apiHeaders(), signal });
    if (response.status === 204) return; // ended, nothing to send
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replaceAll("\r\n", "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let id = null;
        const data = [];
        for (const line of frame.split("\n")) {
          if (line.startsWith("id:")) id = Number(line.slice(3).trim());
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        } // lines starting with ":" are the heartbeat comments
        if (data.length) onEvent(id, JSON.parse(data.join("\n")));
      }
    }
  }

  // ================================================================== the view
  const view = {
    id: "workflows",
    title: "Workflows",
    key: "6",
    async mount(root) {
      this.seen = {};
      this.selected = null;
      this.stop();
      const deployments = (await admin("GET", "/_mock/workflows")).items;
      this.deployments = deployments;
      if (!deployments.length) {
        root.append(
          empty(
            "No workflow is served: the workflow server is faked from scenario files.",
            "Start the fake with one, e.g. `llamacloud-mock serve --workflows examples/workflows/wfdemo.yaml`; its runs then show here."
          )
        );
        return;
      }
      this.deployment = deployments[0].deployment;
      this.error = errorLine("workflows-error");
      const chooser = h("select", { onchange: (e) => this.chooseDeployment(e.target.value) },
        deployments.map((d) => h("option", { value: d.deployment }, `${d.deployment} (${d.source.split(/[\\/]/).pop()})`)));
      this.workflowFilter = h("select", { onchange: () => ((this.seen.handlers = null), this.refresh()) });
      this.statusFilter = h("select", { onchange: () => ((this.seen.handlers = null), this.refresh()) },
        h("option", { value: "" }, "any"), STATUSES.map((s) => h("option", { value: s }, s)));
      this.startWorkflow = h("select", { onchange: () => this.mountStartForm() });
      this.startFields = h("div", { class: "fields" });
      this.startError = errorLine("start-error");
      const startForm = h("form", { class: "query", onsubmit: (e) => (e.preventDefault(), this.startRun()) },
        field("start-workflow", "Workflow to start", this.startWorkflow), this.startFields,
        h("div", { class: "actions" }, h("button", { type: "submit" }, "Start a run")));
      this.handlersEl = h("div", { id: "handlers" });
      this.runEl = h("section", { id: "run-detail", "aria-labelledby": "run-title" });
      root.append(
        h("form", { class: "query", onsubmit: (e) => e.preventDefault() }, field("workflows-deployment", "Deployment", chooser)),
        this.error,
        h("section", { "aria-labelledby": "start-title" }, h("h3", { id: "start-title" }, "Start a run"), startForm, this.startError),
        h("div", { class: "split" },
          h("section", { "aria-labelledby": "handlers-title" }, h("h3", { id: "handlers-title" }, "Handlers"),
            h("form", { class: "query", onsubmit: (e) => e.preventDefault() },
              field("workflows-filter", "Workflow", this.workflowFilter), field("workflows-status", "Status", this.statusFilter)),
            h("p", { id: "handlers-summary", "aria-live": "polite" }),
            this.handlersEl),
          this.runEl)
      );
      await this.chooseDeployment(this.deployment);
    },
    async chooseDeployment(name) {
      this.deployment = name;
      this.stop();
      this.selected = null;
      this.seen = {};
      fill(this.runEl, empty("Choose a handler to see its events as they are sent, answer it or cancel it."));
      const workflows = this.deployments.find((d) => d.deployment === name).workflows;
      fill(this.workflowFilter, h("option", { value: "" }, "any"), workflows.map((w) => h("option", { value: w }, w)));
      fill(this.startWorkflow, workflows.map((w) => h("option", { value: w }, w)));
      await Promise.all([this.mountStartForm(), this.refresh()]);
    },
    base() {
      return `/deployments/${encodeURIComponent(this.deployment)}`;
    },
    async mountStartForm() {
      const name = this.startWorkflow.value;
      const schema = (await api("GET", `${this.base()}/workflows/${encodeURIComponent(name)}/schema`)).start;
      this.startForm = eventFields("start", "start event", schema);
      fill(this.startFields, this.startForm.controls);
    },
    async startRun() {
      try {
        const name = this.startWorkflow.value;
        const start_event = this.startForm.read();
        const handler = await api("POST", `${this.base()}/workflows/${encodeURIComponent(name)}/run-nowait`, { body: { start_event } });
        showError(this.startError, null);
        await this.refresh();
        this.openRun(handler.handler_id);
      } catch (e) {
        showError(this.startError, e);
      }
    },
    async refresh() {
      if (!this.deployment) return;
      const handlers = (await admin("GET", "/_mock/workflows/handlers", { query: { deployment: this.deployment } })).items;
      this.handlers = handlers;
      if (changed(this.seen, "handlers", handlers)) this.renderHandlers();
      const run = handlers.find((w) => w.handler_id === this.selected);
      if (run && changed(this.seen, "run", [run.status, run.waiting_for])) await this.renderControls(run);
    },
    renderHandlers() {
      const workflow = this.workflowFilter.value;
      const status = this.statusFilter.value;
      const ofWorkflow = this.handlers.filter((w) => !workflow || w.workflow_name === workflow);
      const counts = STATUSES.map((s) => [s, ofWorkflow.filter((w) => w.status === s).length]).filter(([, n]) => n);
      document.getElementById("handlers-summary").textContent = ofWorkflow.length
        ? `${ofWorkflow.length} handler${ofWorkflow.length === 1 ? "" : "s"}: ${counts.map(([s, n]) => `${n} ${s}`).join(", ")}.`
        : "";
      // by status (running first), the newest first within each
      const shown = ofWorkflow
        .filter((w) => !status || w.status === status)
        .map((w, index) => [w, index])
        .sort(([a, i], [b, j]) => STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status) || j - i)
        .map(([w]) => w)
        .slice(0, ROWS);
      fill(this.handlersEl,
        shown.length
          ? rowsTable(`Handlers by status, the newest first (live; the first ${ROWS} shown)`, ["Handler", "Workflow", "Status", "Waiting for"],
              shown.map((w) => openRow([w.handler_id, w.workflow_name, h("span", { class: `state ${w.status}` }, w.status), w.waiting_for || ""],
                () => this.openRun(w.handler_id), w.handler_id === this.selected)))
          : empty(this.handlers.length ? "No handler matches." : "No run yet.",
              "Start one above, or from an app or a client (POST /deployments/{name}/workflows/{workflow}/run-nowait).")
      );
    },
    stop() {
      if (this.streaming) this.streaming.abort();
      this.streaming = null;
    },
    // The run's detail: its events from the public stream, and what can be done with it.
    openRun(handlerId) {
      this.stop();
      this.selected = handlerId;
      this.seen.run = null;
      this.seen.handlers = null;
      const run = this.handlers.find((w) => w.handler_id === handlerId);
      this.eventsEl = h("ol", { id: "run-events", "aria-live": "polite" });
      this.controlsEl = h("div", { id: "run-controls" });
      this.streamState = h("p", { id: "run-stream", class: "hint" }, "Streaming the run's events…");
      this.resultEl = h("div", { id: "run-result" });
      fill(this.runEl,
        h("h3", { id: "run-title", tabindex: -1 }, `Run ${handlerId} of ${run ? run.workflow_name : "?"}`),
        h("p", { id: "run-status" }), this.controlsEl,
        h("h4", {}, "Events (GET /deployments/…/events/{id}, as a client receives them)"),
        this.eventsEl, this.streamState, this.resultEl);
      this.renderHandlers();
      if (run) {
        changed(this.seen, "run", [run.status, run.waiting_for]); // the next refresh leaves the form alone
        this.renderControls(run);
      }
      this.runEl.querySelector("h3").focus();
      const controller = new AbortController();
      this.streaming = controller;
      streamEvents(this.deployment, handlerId, (seq, event) => this.showEvent(seq, event), controller.signal)
        .then(() => {
          if (this.streaming !== controller) return;
          this.streamState.textContent = "The stream has ended: the run is over.";
          this.refresh();
        })
        .catch((e) => {
          if (!controller.signal.aborted) this.streamState.textContent = `The stream broke: ${e.message}`;
        });
    },
    showEvent(seq, event) {
      this.eventsEl.append(h("li", { "data-seq": seq }, h("strong", {}, event.type), ` #${seq} `, json(event.value)));
      if (event.type === "StopEvent") fill(this.resultEl, h("h4", {}, "Result"), json(event.value.result));
      if (event.type === "WorkflowFailedEvent" || event.type === "WorkflowTimedOutEvent") {
        fill(this.resultEl, h("h4", {}, "Failed"), json(event.value));
      }
    },
    async renderControls(run) {
      document.getElementById("run-status").textContent =
        run.status === "running"
          ? run.waiting_for ? `Running, waiting for ${run.waiting_for}.` : "Running."
          : `${run.status[0].toUpperCase()}${run.status.slice(1)}.`;
      if (run.status !== "running") {
        fill(this.controlsEl);
        return;
      }
      const error = errorLine("run-error");
      const cancel = h("button", { type: "button", class: "danger", onclick: () => this.act(error, () =>
        api("POST", `${this.base()}/handlers/${encodeURIComponent(run.handler_id)}/cancel`)) }, "Cancel the run");
      if (!run.waiting_for) {
        fill(this.controlsEl, h("div", { class: "actions" }, cancel), error);
        return;
      }
      const events = (await api("GET", `${this.base()}/workflows/${encodeURIComponent(run.workflow_name)}/events`)).events;
      const form = eventFields("answer", "answer", events.find((e) => e.title === run.waiting_for));
      const send = () => this.act(error, () => admin("POST",
        `/_mock/workflows/${encodeURIComponent(this.deployment)}/handlers/${encodeURIComponent(run.handler_id)}/answer`,
        { body: { type: run.waiting_for, value: form.read() } }));
      fill(this.controlsEl,
        h("form", { class: "query", "aria-labelledby": "answer-title", onsubmit: (e) => (e.preventDefault(), send()) },
          h("h4", { id: "answer-title" }, `Answer with ${run.waiting_for}`), form.controls,
          h("div", { class: "actions" }, h("button", { type: "submit" }, "Send the answer"), cancel)),
        error);
    },
    async act(error, action) {
      try {
        await action();
        showError(error, null);
        await this.refresh();
      } catch (e) {
        showError(error, e);
      }
    },
  };
  Dashboard.registerView(view);
  // a stream must not outlive its view
  window.addEventListener("hashchange", () => location.hash === "#/workflows" || view.stop());
})();
