// Draws every figure handed over with json_script; a click on a device point opens it.
"use strict";
(function () {
  const config = {
    responsive: true,
    displaylogo: false,
    toImageButtonOptions: { format: "png", scale: 2 },
    modeBarButtonsToAdd: [{
      name: "Download SVG",
      icon: { width: 1000, height: 1000, path: "M200 800h600v-80H200zM500 100v480l160-160 56 56-256 256-256-256 56-56 160 160V100z" },
      click: (gd) => Plotly.downloadImage(gd, { format: "svg", filename: gd.id }),
    }],
  };
  function draw(el) {
    const source = document.getElementById(el.dataset.figure);
    if (!source) return;
    const fig = JSON.parse(source.textContent);
    Plotly.newPlot(el, fig.data, fig.layout, config).then(() => {
      el.dataset.rendered = "true";
      el.on("plotly_click", (event) => {
        const point = event.points && event.points[0];
        const url = point && point.customdata && (Array.isArray(point.customdata) ? point.customdata[0] : point.customdata);
        if (typeof url === "string" && url.startsWith("/")) window.location.assign(url);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-figure]").forEach(draw);
  });
})();
