// Draws every figure handed over with json_script; a click on a device point opens it.
// Figures keep their own height (a resize never lets one collapse over what follows), follow
// their container's width (window resize, phone rotation, URL bar), and on a touch screen let a
// swipe scroll the page instead of zooming the plot.
"use strict";
(function () {
  const NARROW = 640; // px of plot width below which legends get room and margins shrink
  const coarse = window.matchMedia("(pointer: coarse)");
  const config = {
    displaylogo: false,
    // The wheel and a two-finger swipe scroll the page; zoom is a deliberate drag or the mode bar.
    scrollZoom: false,
    toImageButtonOptions: { format: "png", scale: 2 },
    modeBarButtonsToAdd: [{
      name: "Download SVG",
      icon: { width: 1000, height: 1000, path: "M200 800h600v-80H200zM500 100v480l160-160 56 56-256 256-256-256 56-56 160 160V100z" },
      click: (gd) => Plotly.downloadImage(gd, { format: "svg", filename: gd.id }),
    }],
  };

  function legendEntries(data) {
    const seen = new Set();
    for (const trace of data) {
      if (trace.showlegend === false || trace.visible === false || !trace.name) continue;
      seen.add(trace.legendgroup || trace.name);
    }
    return seen.size;
  }

  // Panels of a grid (PanelGrid: every xaxisN/yaxisN pair with its own domain), top row first.
  function panels(layout) {
    const found = [];
    for (const key of Object.keys(layout)) {
      const m = /^xaxis(\d*)$/.exec(key);
      const x = layout[key];
      const y = m && layout[`yaxis${m[1]}`];
      if (!x || !y || !Array.isArray(x.domain) || !Array.isArray(y.domain) || x.overlaying || y.overlaying) continue;
      found.push({ x, y, xd: x.domain.slice(), yd: y.domain.slice() });
    }
    found.sort((p, q) => (q.yd[1] - p.yd[1]) || (p.xd[0] - q.xd[0]));
    return found;
  }

  // On a phone, a grid of panels side by side leaves each a sliver: stack them in one column,
  // each PANEL px high, moving the titles and notes placed on the page with their panel.
  const PANEL = 260;
  const GAP = 110; // x tick labels and title of one panel, the title of the next
  function oneColumn(layout) {
    const grid = panels(layout);
    if (grid.length < 2 || new Set(grid.map((p) => p.xd[0].toFixed(3))).size < 2) return null;
    const plotHeight = grid.length * PANEL + (grid.length - 1) * GAP;
    const yTitle = grid.map((p) => p.y.title && p.y.title.text).find(Boolean);
    const moved = grid.map((p, i) => {
      const top = 1 - (i * (PANEL + GAP)) / plotHeight;
      const nyd = [top - PANEL / plotHeight, top];
      p.x.domain = [0, 1];
      p.y.domain = nyd;
      if (yTitle && !(p.y.title && p.y.title.text)) p.y.title = { ...(p.y.title || {}), text: yTitle };
      return { ...p, nxd: [0, 1], nyd };
    });
    const remap = (v, from, to) => to[0] + ((v - from[0]) / ((from[1] - from[0]) || 1)) * (to[1] - to[0]);
    const near = (v, d) => v >= d[0] - 0.02 && v <= d[1] + 0.06;
    for (const item of [...(layout.annotations || []), ...(layout.images || [])]) {
      if (item.xref !== "paper" || item.yref !== "paper") continue;
      const p = moved.find((q) => near(item.x, q.xd) && near(item.y, q.yd));
      if (!p) continue;
      item.x = remap(item.x, p.xd, p.nxd);
      item.y = remap(item.y, p.yd, p.nyd);
      if (item.text) item.font = { ...(item.font || {}), size: Math.min((item.font && item.font.size) || 12, 11) };
    }
    for (const shape of layout.shapes || []) {
      if (shape.xref !== "paper" || shape.yref !== "paper") continue;
      const p = moved.find((q) => near(shape.x0, q.xd) && near(shape.y0, q.yd));
      if (!p) continue;
      [shape.x0, shape.x1] = [remap(shape.x0, p.xd, p.nxd), remap(shape.x1, p.xd, p.nxd)];
      [shape.y0, shape.y1] = [remap(shape.y0, p.yd, p.nyd), remap(shape.y1, p.yd, p.nyd)];
    }
    return plotHeight;
  }

  // The layout for a container this wide: the figure's own, with a phone's allowances.
  function layoutFor(fig, width) {
    const layout = JSON.parse(JSON.stringify(fig.layout || {}));
    let height = layout.height || 450;
    if (width < NARROW) {
      const margin = layout.margin || {};
      layout.margin = { ...margin, l: Math.min(margin.l ?? 70, 56), r: Math.min(margin.r ?? 30, 12) };
      const stacked = oneColumn(layout);
      if (stacked) height = stacked + (layout.margin.t ?? 50) + (layout.margin.b ?? 60);
      if (layout.showlegend !== false) {
        const entries = legendEntries(fig.data || []);
        const perRow = Math.max(1, Math.floor(width / 120));
        const rows = Math.ceil(entries / perRow);
        const legend = layout.legend || {};
        // A vertical legend beside the plot would take half a phone's width: put it on top.
        if (legend.orientation !== "h") Object.assign(legend, { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" });
        // Below a stack of panels the legend sits under the last one, clear of its axis title.
        if (stacked && legend.y < 0) legend.y = -(GAP * 0.75) / stacked;
        legend.font = { ...(legend.font || {}), size: 11 };
        layout.legend = legend;
        // The legend's rows come out of the plot area: give them back.
        height += Math.min(rows, 14) * 20;
      }
    }
    // No drag-to-zoom on a touch screen: plotly then leaves the swipe to the browser.
    if (coarse.matches) layout.dragmode = false;
    layout.height = height;
    layout.autosize = true;
    return layout;
  }

  function followLinks(el) {
    el.on("plotly_click", (event) => {
      const point = event.points && event.points[0];
      const url = point && point.customdata && (Array.isArray(point.customdata) ? point.customdata[0] : point.customdata);
      if (typeof url === "string" && url.startsWith("/")) window.location.assign(url);
    });
  }

  function size(el, layout) {
    // The container holds the figure's height itself: nothing below can slide under it.
    el.style.height = `${layout.height}px`;
    el.style.minHeight = `${layout.height}px`;
  }

  function draw(el) {
    const source = document.getElementById(el.dataset.figure);
    if (!source || typeof Plotly === "undefined") return;
    const fig = JSON.parse(source.textContent);
    let narrow = el.clientWidth < NARROW;
    let layout = layoutFor(fig, el.clientWidth);
    size(el, layout);
    Plotly.newPlot(el, fig.data, layout, config).then(() => {
      el.dataset.rendered = "true";
      followLinks(el);
    });
    let width = el.clientWidth;
    let timer = null;
    const relayout = () => {
      timer = null;
      if (!el.isConnected || el.clientWidth === width || el.clientWidth === 0) return;
      width = el.clientWidth;
      if ((width < NARROW) !== narrow) {
        narrow = width < NARROW;
        layout = layoutFor(fig, width);
        size(el, layout);
        Plotly.react(el, fig.data, layout, config);
      } else {
        Plotly.Plots.resize(el);
      }
    };
    // Width changes only (window, rotation, a grid reflowing); debounced so a drag of the window
    // edge or the phone's URL bar sliding costs one re-layout.
    new ResizeObserver(() => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(relayout, 120);
    }).observe(el);
  }

  window.cqdlabPlots = { draw };
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-figure]").forEach(draw);
  });
})();
