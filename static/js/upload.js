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
  // A field's own sentence ("The submitted file is empty.") stands alone; a generic one
  // ("This field is required.") is told which field it is about.
  function problem(data, status) {
    if (data.error) return String(data.error);
    if (data.detail) return String(data.detail);
    for (const [field, messages] of Object.entries(data || {})) {
      const list = Array.isArray(messages) ? messages : [messages];
      const text = list.map((m) => (typeof m === "object" ? Object.values(m).flat().join(" ") : String(m))).join(" ");
      if (field === "non_field_errors" || !/^(this field|this value|ensure this|a valid|not a valid)/i.test(text)) return text;
      return `${field.replace(/_/g, " ")}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
    }
    return `The server answered ${status}.`;
  }
  // The one step that fixes a refused file, as a link or a sentence (null: none known).
  function fixFor(form, message, field) {
    const text = (message || "").toLowerCase();
    if (field === "device" || field === "target" || text.includes("no target") || /no (device|film|synthesis) '/.test(text)) {
      return { text: "Choose the device (or film, synthesis) it belongs to above, and upload it again." };
    }
    if (field === "pixel_map" || text.includes("pixel_map")) {
      return { text: "Map its pixels to devices (pixel_map), or allow creating them, and upload it again." };
    }
    if (text.includes("no area") || text.includes("area is known")) {
      return { text: "Give the cell area above, and upload it again." };
    }
    if (field === "file" && /read|column|number|format|teach|table|line \d|header|profile/.test(text) && !text.includes("empty") && !text.includes("already stored")) {
      return { teach: (form.dataset.teach || "/profiles/teach/") + "?preload=1", text: "Teach cqdlab this format" };
    }
    return null;
  }
  // A refused file, kept in this tab only, so the teach page opens with it loaded.
  function keepForTeaching(form, file) {
    if (file.size > 2 * 1024 * 1024) return Promise.resolve(false);
    return new Promise((resolve) => {
      const reader = new FileReader();
      reader.onload = () => {
        const data = String(reader.result).split(",", 2)[1] || "";
        const device = (form.querySelector("[name=device]") || {}).value || form.dataset.target || "";
        try {
          sessionStorage.setItem("cqdlab-teach-file", JSON.stringify({ name: file.name, data, device }));
          resolve(true);
        } catch (e) { resolve(false); }
      };
      reader.onerror = () => resolve(false);
      reader.readAsDataURL(file);
    });
  }
  function showFix(form, r, fix) {
    if (!fix) return;
    r.error.append(document.createTextNode(" "));
    if (fix.teach) {
      const a = document.createElement("a");
      a.href = fix.teach;
      a.className = "fix teach";
      a.textContent = fix.text;
      r.error.append(a);
    } else {
      const span = document.createElement("span");
      span.className = "fix";
      span.textContent = fix.text;
      r.error.append(span);
    }
  }
  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }
  // What reading the file found, in one line: the reader, curves, pixel, area and its source.
  function foundText(data) {
    const f = data.found || {};
    const parts = [];
    if (f.profile) parts.push(`read by instrument profile ${f.profile.code} v${f.profile.version}`);
    else if (f.reader) parts.push(`read by ${f.reader}`);
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
    const total = data.files.length;
    const read = c.created + c.duplicate;
    // A zip with some refused files is partly done, not failed: say how much of it went in.
    let summary = `${read} of ${total} analysed`;
    if (c.failed) summary += `, ${c.failed} refused`;
    if (c.duplicate) summary += ` (${c.duplicate} already stored)`;
    setStatus(r, read === 0 && total ? "failed" : c.failed ? "partial" : "succeeded", summary);
    r.status.textContent = read === 0 && total ? "failed" : c.failed ? "partly read" : "read";
    r.kind.textContent = "zip";
    data.files.forEach((line) => {
      const item = row(table, `${file.name}: ${line.file}`);
      item.kind.textContent = line.kind || "";
      item.format.textContent = line.format || "";
      if (line.measurement_id) {
        item.tr.dataset.measurement = line.measurement_id;
        setStatus(item, "queued", "");
        if (line.target_type === "device" && line.target_id && form.dataset.devicePage) {
          item.error.append(link(form.dataset.devicePage.replace(/0\/$/, `${line.target_id}/`), line.target));
          item.error.append(document.createTextNode(" · "));
        }
        if (form.dataset.measurementApi) {
          item.error.append(link(form.dataset.measurementApi.replace(/0\/$/, `${line.measurement_id}/`), "measurement"));
        }
        item.error.className = "found";
      } else {
        setStatus(item, "failed", line.message);
        showFix(form, item, fixFor(form, line.message, /no target|no (device|film|synthesis) '/.test(line.message) ? "target" : "file"));
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
    ["device", "film", "synthesis", "kind", "irradiance_mw_cm2", "area_cm2", "profile"].forEach((name) => {
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
      const field = Object.keys(data).find((k) => !["error", "line"].includes(k)) || "file";
      const fix = fixFor(form, message, field);
      if (fix && fix.teach) await keepForTeaching(form, file);
      showFix(form, r, fix);
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
  // The device code is checked as typed, before any upload: found (and its batch), or not.
  function checkDevice(form) {
    const input = form.querySelector("input[name=device]");
    const out = document.getElementById("device-check");
    if (!input || !out || !form.dataset.devicesApi) return;
    let timer = null, asked = 0;
    const check = async () => {
      const code = input.value.trim();
      const mine = ++asked;
      if (!code) { out.textContent = ""; return; }
      const path = encodeURIComponent(code).replace(/%2F/g, "/");
      const response = await fetch(`${form.dataset.devicesApi}${path}/`, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (mine !== asked) return;
      if (response.ok) {
        const d = await response.json();
        out.textContent = `found: device ${d.code} of batch ${d.batch}${d.variant ? `, variant ${d.variant}` : ""}`;
        out.className = "note ok-text";
      } else {
        out.textContent = "no such device in your projects";
        out.className = "note bad-text";
      }
    };
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 300); });
    if (input.value) check();
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
    checkDevice(form);
    poll(table);
  });
})();
