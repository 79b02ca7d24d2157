// "Teach cqdlab this format": builds an instrument profile from the form, asks the API's
// preview endpoint how a sample file reads with it (the table and the analysis), and saves it
// through the API. Nothing here runs what the user types: patterns go to the server as text.
"use strict";
(function () {
  const PRELOAD_KEY = "cqdlab-teach-file"; // set by upload.js for a refused file
  const SHOWN_LINES = 120;
  let options = {};
  let sample = null; // the File read for the preview
  let timer = null;
  let asked = 0;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text != null) node.textContent = String(text); // never innerHTML: file text stays text
    if (cls) node.className = cls;
    return node;
  }
  function csrf(form) {
    return form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }
  function value(form, name) {
    const input = form.querySelector(`[name=${name}]`);
    return input ? input.value.trim() : "";
  }
  function numberOrText(text) {
    return /^\d+$/.test(text) ? parseInt(text, 10) : text;
  }
  // A refusal as one sentence: the server's error, else its first field message.
  function problem(data, status) {
    if (data.error) return data.error;
    if (data.detail) return data.detail;
    for (const [field, messages] of Object.entries(data || {})) {
      const text = Array.isArray(messages) ? messages.join(" ") : String(messages);
      return field === "non_field_errors" ? text : `${field}: ${text}`;
    }
    return `The server answered ${status}.`;
  }

  // --- the columns and header-field rows ---------------------------------------------------
  function quantities(form) {
    return options.kind_columns[value(form, "kind")] || [];
  }
  function fillSelect(select, values, chosen) {
    select.replaceChildren(...values.map((v) => { const o = el("option", v.replace(/_/g, " ")); o.value = v; return o; }));
    if (chosen && values.includes(chosen)) select.value = chosen;
  }
  function addColumn(form, spec) {
    const tbody = form.querySelector("#teach-columns tbody");
    const tr = el("tr");
    const column = el("input");
    column.name = "col";
    column.setAttribute("aria-label", "column number or name");
    column.value = spec.column != null ? spec.column : tbody.children.length + 1;
    const quantity = el("select");
    quantity.name = "quantity";
    quantity.setAttribute("aria-label", "quantity");
    const unit = el("select");
    unit.name = "unit";
    unit.setAttribute("aria-label", "unit");
    fillSelect(quantity, quantities(form), spec.quantity);
    fillSelect(unit, options.units[quantity.value] || [], spec.unit);
    quantity.addEventListener("change", () => fillSelect(unit, options.units[quantity.value] || []));
    const remove = el("button", "remove", "secondary");
    remove.type = "button";
    remove.addEventListener("click", () => { tr.remove(); schedule(form); });
    [column, quantity, unit, remove].forEach((node) => { const td = el("td"); td.append(node); tr.append(td); });
    tbody.append(tr);
  }
  function kindChanged(form) {
    form.querySelectorAll("#teach-columns tbody tr").forEach((tr) => {
      const q = tr.querySelector("[name=quantity]");
      const u = tr.querySelector("[name=unit]");
      const keep = q.value, keepUnit = u.value;
      fillSelect(q, quantities(form), keep);
      fillSelect(u, options.units[q.value] || [], keepUnit);
    });
  }
  function headerRows(form, header) {
    const tbody = form.querySelector("#teach-header tbody");
    options.header_fields.forEach((name) => {
      const spec = (header || {})[name] || {};
      const tr = el("tr");
      tr.dataset.field = name;
      const how = el("select");
      how.name = `hf_how_${name}`;
      how.setAttribute("aria-label", `${name}: read by`);
      fillSelect(how, ["key", "regex"], spec.regex ? "regex" : "key");
      const text = el("input");
      text.name = `hf_${name}`;
      text.setAttribute("aria-label", `${name}: key or pattern`);
      text.placeholder = name === "area" ? "e.g. Area, or area\\s*=\\s*([\\d.]+)" : "";
      text.value = spec.regex || spec.key || "";
      const unitTd = el("td");
      if (options.header_units[name]) {
        const unit = el("select");
        unit.name = `hf_unit_${name}`;
        unit.setAttribute("aria-label", `${name}: unit`);
        fillSelect(unit, options.header_units[name], spec.unit);
        unitTd.append(unit);
      }
      const cells = [el("td", name.replace("_", " ")), el("td"), el("td"), unitTd];
      cells[1].append(how);
      cells[2].append(text);
      tr.append(...cells);
      tbody.append(tr);
    });
  }

  // --- the profile as the API takes it -----------------------------------------------------
  function definition(form) {
    const out = {
      kind: value(form, "kind"),
      delimiter: value(form, "delimiter") || "auto",
      decimal: value(form, "decimal") || ".",
      columns: [],
    };
    if (value(form, "instrument")) out.instrument = value(form, "instrument");
    const data = {};
    if (value(form, "data_start")) data.start = numberOrText(value(form, "data_start"));
    if (value(form, "data_stop")) data.stop = numberOrText(value(form, "data_stop"));
    if (value(form, "header_row")) data.header_row = parseInt(value(form, "header_row"), 10);
    if (Object.keys(data).length) out.data = data;
    form.querySelectorAll("#teach-columns tbody tr").forEach((tr) => {
      const column = tr.querySelector("[name=col]").value.trim();
      if (!column) return;
      out.columns.push({
        column: numberOrText(column),
        quantity: tr.querySelector("[name=quantity]").value,
        unit: tr.querySelector("[name=unit]").value,
      });
    });
    const split = value(form, "blocks_split");
    if (split && split !== "none") {
      out.blocks = { split, per: value(form, "blocks_per") || "scan" };
      if (split === "marker") out.blocks.marker = value(form, "blocks_marker");
    }
    const header = {};
    options.header_fields.forEach((name) => {
      const text = value(form, `hf_${name}`);
      if (!text) return;
      const spec = value(form, `hf_how_${name}`) === "regex" ? { regex: text } : { key: text };
      if (value(form, `hf_unit_${name}`)) spec.unit = value(form, `hf_unit_${name}`);
      header[name] = spec;
    });
    if (Object.keys(header).length) out.header = header;
    const match = {};
    if (value(form, "match_filename")) match.filename = value(form, "match_filename");
    if (value(form, "match_fingerprint")) match.fingerprint = value(form, "match_fingerprint");
    if (value(form, "match_instrument")) match.instrument = value(form, "match_instrument");
    if (Object.keys(match).length && value(form, "match_lines")) match.lines = parseInt(value(form, "match_lines"), 10);
    if (Object.keys(match).length) out.match = match;
    return out;
  }
  function load(form, def) {
    const set = (name, v) => { const i = form.querySelector(`[name=${name}]`); if (i && v != null) i.value = v; };
    set("kind", def.kind);
    set("instrument", def.instrument);
    set("delimiter", def.delimiter);
    set("decimal", def.decimal);
    const data = def.data || {};
    set("data_start", data.start);
    set("data_stop", data.stop);
    set("header_row", data.header_row);
    const blocks = def.blocks || {};
    set("blocks_split", blocks.split);
    set("blocks_marker", blocks.marker);
    set("blocks_per", blocks.per);
    const match = def.match || {};
    set("match_filename", match.filename);
    set("match_fingerprint", match.fingerprint);
    set("match_lines", match.lines);
    set("match_instrument", match.instrument);
    (def.columns || []).forEach((c) => addColumn(form, c));
  }

  // --- the sample file ---------------------------------------------------------------------
  async function showLines(form, file) {
    const box = form.querySelector("#teach-lines");
    const text = await file.slice(0, 256 * 1024).text();
    const lines = text.replace(/\r\n?/g, "\n").split("\n").slice(0, SHOWN_LINES);
    box.replaceChildren(...lines.map((line, i) => {
      const row = el("div");
      row.dataset.line = i + 1;
      row.append(el("span", i + 1, "n"), el("span", line.slice(0, 400)));
      return row;
    }));
    form.querySelector("#teach-file-name").textContent = `${file.name} (${file.size} bytes; first ${lines.length} lines shown)`;
  }
  function markDataLines(form, lines) {
    form.querySelectorAll("#teach-lines div").forEach((row) => {
      row.classList.toggle("data-line", lines.has(Number(row.dataset.line)));
    });
  }
  function useFile(form, file) {
    sample = file;
    showLines(form, file);
    const code = form.querySelector("[name=code]");
    if (!code.value) code.value = file.name.replace(/\.[^.]*$/, "").replace(/[^A-Za-z0-9._ -]/g, "-").slice(0, 60);
    schedule(form);
  }
  function preloaded(form) {
    // A file the upload page refused: kept in this tab's sessionStorage, never on the server.
    if (!new URLSearchParams(window.location.search).has("preload")) return;
    let stored = null;
    try { stored = JSON.parse(sessionStorage.getItem(PRELOAD_KEY) || "null"); } catch (e) { stored = null; }
    if (!stored || !stored.data) return;
    const binary = atob(stored.data);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    useFile(form, new File([bytes], stored.name || "sample.txt"));
    const device = stored.device ? ` for ${stored.device}` : "";
    form.querySelector("#teach-status").textContent = `The file the upload page refused${device} is loaded.`;
  }

  // --- the live preview --------------------------------------------------------------------
  function schedule(form) {
    clearTimeout(timer);
    timer = setTimeout(() => preview(form), 350);
  }
  async function preview(form) {
    if (!sample) return;
    const mine = ++asked;
    const status = form.querySelector("#teach-status");
    status.textContent = "Reading the sample…";
    const body = new FormData();
    body.append("file", sample);
    body.append("definition", JSON.stringify(definition(form)));
    ["area_cm2", "irradiance_mw_cm2"].forEach((name) => { if (value(form, name)) body.append(name, value(form, name)); });
    const response = await fetch(form.dataset.preview, {
      method: "POST", body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(form), Accept: "application/json" },
    });
    const data = await response.json().catch(() => ({}));
    if (mine !== asked) return; // a later change asked again
    render(form, response, data);
  }
  function render(form, response, data) {
    const status = form.querySelector("#teach-status");
    const table = form.querySelector("#teach-table");
    const analysis = form.querySelector("#teach-analysis");
    const found = form.querySelector("#teach-found");
    table.replaceChildren();
    analysis.replaceChildren();
    found.textContent = "";
    if (!response.ok || !data.read) {
      status.textContent = response.ok ? data.error : problem(data, response.status);
      status.className = "bad-text";
      markDataLines(form, new Set(data.line ? [data.line] : []));
      return;
    }
    status.textContent = `Read as ${data.kind}: ${data.found.curves} curve${data.found.curves > 1 ? "s" : ""}.`;
    status.className = "ok-text";
    const parts = [];
    if (data.found.pixels.length) parts.push(`pixels ${data.found.pixels.join(", ")}`);
    if (data.found.area_cm2) parts.push(`area ${data.found.area_cm2} cm²`);
    if (data.found.irradiance_mw_cm2) parts.push(`${data.found.irradiance_mw_cm2} mW/cm²`);
    if (data.found.measured_at) parts.push(`measured ${data.found.measured_at}`);
    if (data.found.sample) parts.push(`device ${data.found.sample}`);
    if (data.warnings.length) parts.push(`warning: ${data.warnings.join("; ")}`);
    found.textContent = parts.join(" · ");
    const curve = data.table.curves[0];
    const head = el("tr");
    head.append(el("th", "curve"), ...curve.columns.map((c) => el("th", c)));
    const thead = el("thead");
    thead.append(head);
    const tbody = el("tbody");
    curve.rows.forEach((row) => {
      const tr = el("tr");
      tr.append(el("td", curve.label), ...row.map((v) => el("td", v == null ? "" : Number(v.toPrecision(6)))));
      tbody.append(tr);
    });
    table.append(thead, tbody);
    if (curve.points > curve.rows.length) {
      const more = el("tr");
      const td = el("td", `… ${curve.points - curve.rows.length} more rows; ${data.table.curves.length} curve(s) in all`, "note");
      td.colSpan = curve.columns.length + 1;
      more.append(td);
      tbody.append(more);
    }
    const result = data.analysis || {};
    if (result.error) analysis.append(el("p", result.error, "bad-text"));
    (result.rows || []).forEach((row) => {
      const p = el("p", null, "row");
      p.append(el("strong", `${row.label}: `));
      p.append(el("span", row.figures.map(([label, v, unit]) => `${label} ${typeof v === "number" ? Number(v.toPrecision(4)) : v}${unit ? " " + unit : ""}`).join(", ")));
      if (row.flags.length) p.append(el("span", ` (${row.flags.join(", ")})`, "flags"));
      analysis.append(p);
    });
  }

  // --- saving ------------------------------------------------------------------------------
  async function save(form) {
    const saved = form.querySelector("#teach-saved");
    const profile = options.profile;
    const body = { code: value(form, "code"), name: value(form, "instrument"), definition: definition(form) };
    let url = form.dataset.api, method = "POST";
    if (profile) { url = `${url}${profile.id}/`; method = "PATCH"; } else { body.project = value(form, "project"); }
    const response = await fetch(url, {
      method, body: JSON.stringify(body), credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(form), Accept: "application/json", "Content-Type": "application/json" },
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      saved.textContent = `Not saved: ${problem(data, response.status)}`;
      saved.className = "bad-text";
      return;
    }
    saved.className = "ok-text";
    saved.replaceChildren(el("span", `Saved: ${data.code} v${data.version}. Later files its match rule recognises are read by it. `));
    const upload = el("a", "Upload files");
    upload.href = form.dataset.upload;
    const edit = el("a", "see the profile");
    edit.href = `${form.dataset.profiles}${data.id}/`;
    saved.append(upload, el("span", " · "), edit);
    const older = (data.versions || []).filter((v) => v.version < data.version).reduce((n, v) => n + v.measurements, 0);
    if (profile && older) offerReread(form, data.id, older);
  }
  function offerReread(form, id, count) {
    const box = form.querySelector("#teach-reread");
    if (!box) return;
    box.hidden = false;
    box.querySelector("#teach-reread-text").textContent = `${count} file${count > 1 ? "s were" : " was"} read by an older version of this profile.`;
    const button = box.querySelector("#teach-reread-button");
    button.onclick = async () => {
      const response = await fetch(`${form.dataset.api}${id}/reread/`, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(form), Accept: "application/json" },
      });
      const data = await response.json().catch(() => ({}));
      const out = box.querySelector("#teach-reread-result");
      if (!response.ok) { out.textContent = problem(data, response.status); return; }
      const refused = data.refused.map((r) => `${r.measurement}: ${r.error}`).join("; ");
      out.textContent = `${data.queued.length} re-read and queued for analysis` + (refused ? `; kept as they were: ${refused}` : ".");
    };
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("teach");
    if (!form) return;
    options = JSON.parse(document.getElementById("teach-options").textContent);
    const profile = options.profile;
    headerRows(form, profile ? profile.definition.header : {});
    if (profile) {
      load(form, profile.definition);
      if (profile.read_by_older) offerReread(form, profile.id, profile.read_by_older);
    } else {
      addColumn(form, { column: 1, quantity: "voltage", unit: "V" });
      addColumn(form, { column: 2, quantity: "current_density", unit: "mA/cm2" });
    }
    form.querySelector("[name=kind]").addEventListener("change", () => kindChanged(form));
    form.querySelector("#teach-add-column").addEventListener("click", () => addColumn(form, {}));
    form.querySelector("#teach-file").addEventListener("change", (e) => { if (e.target.files[0]) useFile(form, e.target.files[0]); });
    form.addEventListener("input", () => schedule(form));
    form.addEventListener("change", () => schedule(form));
    form.addEventListener("submit", (e) => { e.preventDefault(); save(form); });
    preloaded(form);
  });
})();
