// Release health chart (the error pages): crash-free sessions per release over time, drawn
// with the vendored uPlot from the JSON block the page carries (no inline script: CSP).
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
    return { width: width, height: width < 600 ? 220 : 280 };
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
        value: function (u, v) { return v == null ? "—" : v.toFixed(2) + "%"; }
      });
      columns.push(s.values);
    });
    var opts = Object.assign(size(el), {
      series: series,
      scales: { y: { range: function (u, min, max) { return [Math.min(min == null ? 90 : min, 90), 100]; } } },
      axes: [{}, { values: function (u, ticks) { return ticks.map(function (t) { return t + "%"; }); }, size: 60 }],
      legend: { live: true }
    });
    el.textContent = "";
    var plot = new window.uPlot(opts, columns, el);
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
