// Draws every `<figure class="chart">` of a page with the vendored Chart.js. The figure holds
// its data as JSON (`<script type="application/json">`, written by `ui::chart::Chart`), so
// pages need no inline script and the table beside the chart stays the accessible source.
(function () {
  "use strict";
  var palette = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2",
    "#db2777", "#65a30d", "#ea580c", "#475569", "#0d9488", "#9333ea"];

  function format(unit, currency) {
    if (unit === "percent") {
      return function (v) { return (Math.round(v * 1000) / 10) + "%"; };
    }
    if (unit === "money") {
      var f = new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "USD", maximumFractionDigits: 0 });
      return function (v) { return f.format(v / 100); };
    }
    if (unit === "days") {
      return function (v) { return (Math.round(v * 10) / 10) + " d"; };
    }
    var n = new Intl.NumberFormat();
    return function (v) { return n.format(v); };
  }

  // Dated indirect touches (press, analyst reports, blog posts): a dashed line at their
  // label on the x axis with the title beside it.
  var markers = {
    id: "leadlineMarkers",
    afterDatasetsDraw: function (chart, _args, opts) {
      var list = opts && opts.items;
      if (!list || !list.length) return;
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = "#64748b";
      ctx.fillStyle = "#334155";
      ctx.setLineDash([4, 4]);
      ctx.font = "11px system-ui, sans-serif";
      list.forEach(function (m, i) {
        var index = chart.data.labels.indexOf(m.label);
        if (index < 0) return;
        var px = x.getPixelForValue(index);
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.fillText(m.text, px + 3, area.top + 12 + (i % 4) * 13);
      });
      ctx.restore();
    }
  };

  function draw(figure) {
    var data = figure.querySelector('script[type="application/json"]');
    if (!data || !window.Chart) return;
    var spec = JSON.parse(data.textContent);
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", spec.title || "chart");
    figure.insertBefore(canvas, figure.firstChild);
    var fmt = format(spec.unit, spec.currency);
    var kind = spec.kind || "bar";
    var horizontal = kind === "hbar";
    var stacked = kind === "stacked_bar";
    var type = kind === "line" ? "line" : "bar";
    var datasets = (spec.series || []).map(function (s, i) {
      var color = palette[i % palette.length];
      return { label: s.name, data: s.values, backgroundColor: color, borderColor: color,
        fill: false, tension: 0.2, pointRadius: 2 };
    });
    var valueAxis = { beginAtZero: true, stacked: stacked, ticks: { callback: fmt } };
    var labelAxis = { stacked: stacked };
    new window.Chart(canvas, {
      type: type,
      data: { labels: spec.labels || [], datasets: datasets },
      plugins: [markers],
      options: {
        indexAxis: horizontal ? "y" : "x",
        animation: false,
        maintainAspectRatio: false,
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: { display: datasets.length > 1 },
          title: { display: !!spec.title, text: spec.title },
          tooltip: { callbacks: { label: function (c) {
            return c.dataset.label + ": " + fmt(horizontal ? c.parsed.x : c.parsed.y);
          } } },
          leadlineMarkers: { items: spec.markers || [] }
        }
      }
    });
    figure.setAttribute("data-drawn", "true");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("figure.chart"), draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
