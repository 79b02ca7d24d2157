// Uploads each chosen or dropped file through the REST API (session auth + CSRF) and
// polls the status endpoint until every file has succeeded or failed.
"use strict";
(function () {
  function csrf(form) {
    return form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }
  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);  // never innerHTML: user text stays text
    if (cls) td.className = cls;
    return td;
  }
  function row(table, name) {
    const tbody = table.querySelector("tbody");
    const empty = tbody.querySelector("tr.empty");
    if (empty) empty.remove();
    const tr = document.createElement("tr");
    const status = document.createElement("span");
    status.className = "status queued";
    status.dataset.status = "";
    status.textContent = "uploading";
    const statusTd = document.createElement("td");
    statusTd.appendChild(status);
    const error = cell("", "error");
    error.dataset.error = "";
    const kind = cell("");
    const format = cell("");
    if (table.querySelectorAll("thead th").length > 5) {
      tr.append(cell(new Date().toISOString().slice(0, 16).replace("T", " ")), cell(name), kind, format, statusTd, error, cell(""));
    } else {
      tr.append(cell(name), kind, format, statusTd, error);
    }
    tbody.prepend(tr);
    return { tr, status, error, kind, format };
  }
  function setStatus(r, value, message) {
    r.status.textContent = value;
    r.status.className = "status " + value;
    r.error.textContent = message || "";
  }
  // A refusal as a sentence: the server's message, else the first field error, never JSON.
  function problem(data, status) {
    if (data.error) return data.error;
    if (data.detail) return data.detail;
    for (const [field, messages] of Object.entries(data)) {
      const text = Array.isArray(messages) ? messages.join(" ") : String(messages);
      return field === "non_field_errors" ? text : `${field}: ${text}`;
    }
    return `The server answered ${status}.`;
  }
  // What reading the file found, in one line: the reader, curves, pixel, area and its source.
  function foundText(data) {
    const f = data.found || {};
    const parts = [];
    if (f.reader) parts.push(`read by ${f.reader}`);
    if (f.curves) parts.push(`${f.curves} curve${f.curves > 1 ? "s" : ""}`);
    if (data.pixels && data.pixels.length) {
      parts.push("pixels " + data.pixels.map((p) => `${p.pixel} -> ${p.device}`).join(", "));
    } else if (f.pixel) parts.push(`pixel ${f.pixel}`);
    if (f.area_cm2) {
      let area = `area ${f.area_cm2} cm² (${f.area_source})`;
      if (f.area_sources_disagree) area += ", sources disagree";
      parts.push(area);
    }
    if (f.irradiance_mw_cm2) parts.push(`${f.irradiance_mw_cm2} mW/cm²`);
    if (f.warnings && f.warnings.length) parts.push(`${f.warnings.length} warning(s): ${f.warnings[0]}`);
    return parts.join(" · ");
  }
  async function uploadZip(form, table, file) {
    const r = row(table, file.name);
    const body = new FormData();
    body.append("file", file);
    ["device", "film", "synthesis"].forEach((name) => {
      const input = form.querySelector(`[name=${name}]`);
      if (input && input.value) body.append(name, input.value);
    });
    if (form.dataset.targetField) body.append(form.dataset.targetField, form.dataset.target);
    const response = await fetch(form.dataset.api + "bulk/", {
      method: "POST", body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(form), Accept: "application/json" },
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      setStatus(r, "failed", problem(data, response.status));
      return;
    }
    const c = data.counts;
    setStatus(r, c.failed ? "failed" : "succeeded",
      `${c.created} created, ${c.duplicate} duplicate, ${c.failed} failed`);
    r.kind.textContent = "zip";
    data.files.forEach((line) => {
      const item = row(table, `${file.name}: ${line.file}`);
      item.kind.textContent = line.kind || "";
      if (line.measurement_id) {
        item.tr.dataset.measurement = line.measurement_id;
        setStatus(item, "queued", "");
      } else {
        setStatus(item, "failed", line.message);
      }
    });
  }
  async function upload(form, table, file, confirmed) {
    if (file.name.toLowerCase().endsWith(".zip")) return uploadZip(form, table, file);
    const r = row(table, file.name);
    const body = new FormData();
    if (confirmed) body.append("confirm_duplicate", "true");
    body.append("file", file);
    const targetField = form.dataset.targetField;
    if (targetField) body.append(targetField, form.dataset.target);
    ["device", "film", "synthesis", "kind", "irradiance_mw_cm2"].forEach((name) => {
      const input = form.querySelector(`[name=${name}]`);
      if (input && input.value) body.append(name, input.value);
    });
    const response = await fetch(form.dataset.api, {
      method: "POST", body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(form), Accept: "application/json" },
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 409 && !confirmed) {
      // The same bytes belong to another target already: the lab member decides.
      if (window.confirm(`${data.error}\n\nStore it here too?`)) {
        r.tr.remove();
        return upload(form, table, file, true);
      }
      setStatus(r, "failed", data.error);
      return;
    }
    if (!response.ok) {
      let message = problem(data, response.status);
      // The parser's message names its line already ("line 3: ..."); say it only once.
      if (data.line && !message.includes(`line ${data.line}`)) message += ` (line ${data.line})`;
      setStatus(r, "failed", message);
      return;
    }
    r.tr.dataset.measurement = data.id;
    r.kind.textContent = data.kind;
    r.format.textContent = data.format || "";
    setStatus(r, data.status, data.error);
    if (!data.error) {
      r.error.textContent = foundText(data);
      r.error.className = "found";
    }
  }
  function poll(table) {
    const url = table.dataset.statusUrl;
    setInterval(async () => {
      const pending = [...table.querySelectorAll("tr[data-measurement]")].filter((tr) => {
        const s = tr.querySelector("[data-status]");
        return s && !["succeeded", "failed"].includes(s.textContent);
      });
      if (!pending.length) return;
      const ids = pending.map((tr) => tr.dataset.measurement).join(",");
      const response = await fetch(`${url}?ids=${ids}`, { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      data.measurements.forEach((m) => {
        const tr = table.querySelector(`tr[data-measurement="${m.id}"]`);
        if (!tr) return;
        const s = tr.querySelector("[data-status]");
        s.textContent = m.status;
        s.className = "status " + m.status;
        // Keep what the upload found; an analysis error replaces it.
        if (m.error) tr.querySelector("[data-error]").textContent = m.error;
      });
    }, 1000);
  }
  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("upload-form");
    const table = document.getElementById("files");
    if (!form || !table) return;
    const input = document.getElementById("upload-input");
    const send = (files) => [...files].reduce((p, f) => p.then(() => upload(form, table, f)), Promise.resolve());
    input.addEventListener("change", () => { send(input.files).then(() => { input.value = ""; }); });
    form.addEventListener("dragover", (e) => { e.preventDefault(); form.classList.add("over"); });
    form.addEventListener("dragleave", () => form.classList.remove("over"));
    form.addEventListener("drop", (e) => { e.preventDefault(); form.classList.remove("over"); send(e.dataTransfer.files); });
    form.addEventListener("submit", (e) => e.preventDefault());
    poll(table);
  });
})();
