// Insights charts: incidents and median TTR per week, pages per person per week, drawn with
// the vendored uPlot from the JSON block each chart names (no inline script: CSP).
(function () {
  "use strict";

  var COLOURS = ["#0a58ca", "#b42318", "#1a7f37", "#8a5a00", "#6f42c1", "#0b7285", "#c2255c", "#495057"];

  function readData(el) {
    var block = document.getElementById(el.getAttribute("data-chart"));
    if (!block) return null;
    try { return JSON.parse(block.textContent); } catch (e) { return null; }
  }

  function size(el) {
    var width = Math.max(280, el.clientWidth);
    return { width: width, height: width < 600 ? 200 : 240 };
  }

  function draw(el) {
    var data = readData(el);
    if (!data || !window.uPlot || !data.series.length) return;
    var series = [{}];
    var columns = [data.x];
    data.series.forEach(function (s, i) {
      series.push({
        label: s.label,
        stroke: COLOURS[i % COLOURS.length],
        width: 2,
        spanGaps: false,
        points: { show: true, size: 5 },
        value: function (u, v) { return v == null ? "—" : String(v); }
      });
      columns.push(s.values);
    });
    var opts = Object.assign(size(el), {
      series: series,
      scales: { y: { range: function (u, min, max) { return [0, Math.max(1, max == null ? 1 : max)]; } } },
      legend: { live: true }
    });
    el.textContent = "";
    var plot = new window.uPlot(opts, columns, el);
    el.setAttribute("data-drawn", "true");
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) cancelAnimationFrame(pending);
      pending = requestAnimationFrame(function () { plot.setSize(size(el)); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
