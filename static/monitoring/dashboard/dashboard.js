/* Draws each table's chart from the JSON beside it (Chart.js, served from our static files).
   Colours stay distinct in greyscale and every chart has its table, so a printout reads. */
(function () {
  "use strict";
  var COLOURS = ["#1f4e79", "#e07b00", "#5b9b3c", "#9e1b32", "#7f7f7f", "#6a3d9a"];
  var DASHES = [[], [6, 3], [2, 2], [8, 2, 2, 2], [], [4, 4]];

  function percent(value) { return value === null ? "" : (value * 100).toFixed(1) + "%"; }

  function config(spec) {
    var stacked = spec.kind === "stacked";
    var hasRight = spec.datasets.some(function (d) { return d.right; });
    var datasets = spec.datasets.map(function (d, i) {
      var colour = COLOURS[i % COLOURS.length];
      return {
        label: d.label,
        data: d.data,
        type: d.line ? "line" : "bar",
        yAxisID: d.right ? "y1" : "y",
        backgroundColor: d.line ? colour : colour + "cc",
        borderColor: colour,
        borderWidth: d.line ? 2 : 1,
        borderDash: DASHES[i % DASHES.length],
        pointStyle: ["circle", "rect", "triangle", "rectRot", "cross", "star"][i % 6],
        spanGaps: true,
        _percent: d.percent
      };
    });
    var valueAxis = spec.horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = { beginAtZero: true, stacked: stacked };
    scales[spec.horizontal ? "y" : "x"] = { stacked: stacked, ticks: { autoSkip: false } };
    if (spec.datasets.length && spec.datasets.every(function (d) { return d.percent && !d.right; })) {
      scales[valueAxis].ticks = { callback: percent };
    }
    if (hasRight) {
      scales.y1 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                    ticks: { callback: percent } };
    }
    return {
      type: spec.kind === "line" ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        scales: scales,
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true } },
          tooltip: { callbacks: { label: function (ctx) {
            var v = ctx.raw;
            return ctx.dataset.label + ": " + (ctx.dataset._percent ? percent(v) : v);
          } } }
        }
      }
    };
  }

  function draw() {
    if (typeof Chart === "undefined") { return; }
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      if (spec) { new Chart(canvas, config(spec)); }
    });
    document.documentElement.dataset.chartsDrawn = "1";
  }

  // Charts size themselves to the page; give them the printed width before printing.
  window.addEventListener("beforeprint", function () {
    Object.values(Chart.instances || {}).forEach(function (chart) { chart.resize(); });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
