// SLO charts: error budget remaining (percent) and the 1-hour burn rate over the SLO window,
// drawn with the vendored uPlot from the page's JSON block (no inline script: CSP).
(function () {
  "use strict";

  var SERIES = {
    budget: { label: "Budget left (%)", stroke: "#0a58ca" },
    burn: { label: "Burn rate 1h", stroke: "#b42318" }
  };

  function readData(el) {
    var block = document.getElementById(el.getAttribute("data-chart-data"));
    if (!block) return null;
    try { return JSON.parse(block.textContent); } catch (e) { return null; }
  }

  function size(el) {
    var width = Math.max(280, el.clientWidth);
    return { width: width, height: width < 600 ? 180 : 220 };
  }

  function draw(el) {
    var data = readData(el);
    var kind = el.getAttribute("data-slo-chart");
    if (!data || !window.uPlot || !SERIES[kind] || !data.x.length) return;
    var opts = Object.assign(size(el), {
      series: [{}, {
        label: SERIES[kind].label,
        stroke: SERIES[kind].stroke,
        width: 2,
        spanGaps: false,
        value: function (u, v) { return v == null ? "—" : String(v); }
      }],
      legend: { live: true }
    });
    el.textContent = "";
    var plot = new window.uPlot(opts, [data.x, data[kind]], el);
    el.setAttribute("data-drawn", "true");
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) cancelAnimationFrame(pending);
      pending = requestAnimationFrame(function () { plot.setSize(size(el)); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-slo-chart]").forEach(draw);
  });
})();
