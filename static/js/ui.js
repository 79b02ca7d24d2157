// Page chrome shared by every page: the page menu (open on a wide screen, a drop-down on a
// phone), the current page marked in it, and data tables that scroll in their own box with their
// numeric columns right-aligned (docs/design.md).
"use strict";
(function () {
  const WIDE = window.matchMedia("(min-width: 861px)");

  function menu() {
    const details = document.getElementById("menu");
    if (!details) return;
    const follow = () => { details.open = WIDE.matches; };
    follow();
    WIDE.addEventListener("change", follow);
    // A phone's drop-down closes on a tap elsewhere and on Escape.
    document.addEventListener("click", (event) => {
      if (!WIDE.matches && details.open && !details.contains(event.target)) details.open = false;
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !WIDE.matches && details.open) {
        details.open = false;
        details.querySelector("summary").focus();
      }
    });
    // The link of the page being shown: the longest path that starts the current one.
    const here = window.location.pathname;
    let best = null;
    for (const link of details.querySelectorAll("nav a[href]")) {
      const path = new URL(link.href, window.location.href).pathname;
      const match = path === "/" ? here === "/" : here.startsWith(path);
      if (match && (!best || path.length > best.path.length)) best = { link, path };
    }
    if (best) best.link.setAttribute("aria-current", "page");
  }

  // "0.512", "−1.2e-3", "12.3 ± 0.4", "95 %", "≈ 310", "1,024": numbers, with or without a unit.
  const NUMBER = /^[≈~<>≤≥]?\s*[+\-−]?(\d[\d,\u2009 ]*)?\.?\d+(e[+\-−]?\d+)?(\s*±\s*\d*\.?\d+(e[+\-−]?\d+)?)?\s*(%|×|h|s|ms|µs|ns|V|mV|eV|meV|nm|µm|cm²|mA\/cm²|Ω ?cm²|°C)?$/i;
  // Cells that say "no value" do not make a column textual.
  const BLANK = /^(|–|—|-|n\/a|na|none|not reached|not measured)$/i;

  function grid(table) {
    // Body cells by visual column, rowspan and colspan taken into account.
    const rows = [];
    for (const section of table.tBodies) {
      for (const tr of section.rows) rows.push(tr);
    }
    const columns = [];
    const carried = []; // column -> rows still covered by a rowspan from above
    for (const tr of rows) {
      let col = 0;
      for (const cell of tr.cells) {
        while (carried[col] > 0) { carried[col] -= 1; col += 1; }
        const span = cell.colSpan || 1;
        if (span === 1) (columns[col] = columns[col] || []).push(cell);
        for (let k = 0; k < span; k += 1) carried[col + k] = (cell.rowSpan || 1) - 1;
        col += span;
      }
      for (let c = col; c < carried.length; c += 1) if (carried[c] > 0) carried[c] -= 1;
    }
    return columns;
  }

  function markNumbers(table) {
    grid(table).forEach((cells, col) => {
      let numbers = 0;
      let words = 0;
      for (const cell of cells) {
        const text = cell.textContent.trim();
        if (BLANK.test(text)) continue;
        if (NUMBER.test(text)) numbers += 1; else words += 1;
      }
      if (numbers === 0 || words > 0) return;
      cells.forEach((cell) => cell.classList.add("num"));
      const head = headCell(table, col);
      if (head) head.classList.add("num");
    });
  }

  function headCell(table, col) {
    // One header row only: under a grouped header the column's own heading is ambiguous.
    if (!table.tHead || table.tHead.rows.length !== 1) return null;
    let c = 0;
    for (const cell of table.tHead.rows[0].cells) {
      if (c === col) return (cell.colSpan || 1) === 1 ? cell : null;
      c += cell.colSpan || 1;
    }
    return null;
  }

  function tables() {
    for (const table of document.querySelectorAll("main table")) {
      const parent = table.parentElement;
      const scrolls = parent && (parent.classList.contains("table-scroll") || parent.classList.contains("scroll-x") || getComputedStyle(parent).overflowX === "auto");
      if (!scrolls) {
        const box = document.createElement("div");
        box.className = "table-scroll";
        parent.insertBefore(box, table);
        box.appendChild(table);
      }
      if (table.classList.contains("data")) markNumbers(table);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    menu();
    tables();
  });
})();
