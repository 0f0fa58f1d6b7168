/* Kameng charts (docs/charts.md): draws every <figure class="chart" data-chart="line"> with uPlot.
 *
 * The figure carries its numbers as JSON, either the two blocks core/_chart.html writes
 * (<script type="application/json" id="ID-labels"> with ISO dates and id="ID-series" with
 * [{label, values, unit}]) or one block holding {"labels": [...], "series": [...]}.
 * Charts are drawn on page load and whenever htmx brings new content in; a figure already drawn
 * is left alone. A null (or missing) value is a gap in the line. Nothing here throws: a chart
 * that cannot be drawn keeps its table open instead. No build step, no dependencies but uPlot.
 */
(function () {
  "use strict";
  if (window.KamengCharts) return; // loaded twice: the first copy already listens

  var SELECTOR = 'figure.chart[data-chart="line"]';
  var DAY = 86400;
  var PALETTE = ["#c2410c", "#175cd3", "#067647", "#6941c6", "#b54708", "#0e7090"];
  var PREFIX_UNITS = { "¥": true, "￥": true, $: true };
  var MONEY_UNITS = { "¥": true, "￥": true, $: true, "元": true }; // legend shows fen: 451.50
  var charts = new WeakMap(); // figure -> uPlot instance

  function lang() {
    return document.documentElement.lang || navigator.language || "zh-CN";
  }

  function format(kind, options) {
    try {
      return new Intl[kind](lang(), options);
    } catch (err) {
      return new Intl[kind](undefined, options);
    }
  }

  function cssVar(el, name, fallback) {
    var value = getComputedStyle(el).getPropertyValue(name).trim();
    return value || fallback;
  }

  function toNumber(v) {
    if (v === null || v === undefined || v === "" || typeof v === "boolean") return null;
    var n = typeof v === "number" ? v : Number(v); // Decimal arrives as a string: "1234.50"
    return isFinite(n) ? n : null;
  }

  function dayStart(label) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(label));
    if (!m) return null;
    return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() / 1000; // local midnight
  }

  function withUnit(text, unit) {
    if (!unit) return text;
    return PREFIX_UNITS[unit] ? unit + text : text + unit;
  }

  function readData(fig) {
    var labels = null;
    var series = null;
    var blocks = fig.querySelectorAll('script[type="application/json"]');
    for (var i = 0; i < blocks.length; i++) {
      var value = JSON.parse(blocks[i].textContent);
      var id = blocks[i].id || "";
      if (/-labels$/.test(id)) labels = value;
      else if (/-series$/.test(id)) series = value;
      else if (value && typeof value === "object" && !Array.isArray(value)) {
        labels = value.labels;
        series = value.series;
      }
    }
    if (!Array.isArray(labels) || !Array.isArray(series)) return null;
    series = series.filter(function (s) {
      return s && typeof s === "object";
    });
    return { labels: labels, series: series };
  }

  // Columns for uPlot: x = day starts (sorted, unparsable dates dropped), then one column a series.
  function columns(data) {
    var rows = [];
    data.labels.forEach(function (label, i) {
      var x = dayStart(label);
      if (x === null) return;
      rows.push({
        x: x,
        ys: data.series.map(function (s) {
          return Array.isArray(s.values) ? toNumber(s.values[i]) : null;
        }),
      });
    });
    rows.sort(function (a, b) {
      return a.x - b.x;
    });
    var cols = [
      rows.map(function (r) {
        return r.x;
      }),
    ];
    data.series.forEach(function (s, j) {
      cols.push(
        rows.map(function (r) {
          return r.ys[j];
        }),
      );
    });
    return cols;
  }

  // uPlot's axis-autosize recipe: wide enough for the longest tick label.
  function axisSize(self, values, axisIdx, cycleNum) {
    var axis = self.axes[axisIdx];
    if (cycleNum > 1) return axis._size;
    var size = axis.ticks.size + axis.gap;
    var longest = (values || []).reduce(function (acc, v) {
      return String(v).length > acc.length ? String(v) : acc;
    }, "");
    if (longest) {
      self.ctx.font = axis.font[0];
      size += self.ctx.measureText(longest).width / (window.devicePixelRatio || 1);
    }
    return Math.ceil(size);
  }

  function yRange(self, min, max) {
    if (min === null || max === null || !isFinite(min) || !isFinite(max)) return [0, 1]; // all gaps
    var lo = Math.min(0, min);
    var hi = Math.max(max, 0);
    if (hi === lo) hi = lo + 1;
    return [lo < 0 ? lo - (hi - lo) * 0.08 : 0, hi + (hi - lo) * 0.08];
  }

  function xRange(self, min, max) {
    var xs = self.data[0] || [];
    if (min === null || max === null || !xs.length) return [0, DAY];
    if (xs.length === 1 || xs[0] === xs[xs.length - 1]) return [xs[0] - DAY / 2, xs[0] + DAY / 2]; // one day
    return [min, max];
  }

  // Away from the cursor the legend shows the last day rather than blanks.
  function legendAtLastDay(self) {
    var last = (self.data[0] || []).length - 1;
    if (self.cursor.idx === null || self.cursor.idx === undefined) {
      if (last >= 0) self.setLegend({ idx: last }, false);
    }
  }

  function options(fig, box, data, cols) {
    var family = getComputedStyle(fig).fontFamily || "sans-serif";
    var font = "12px " + family;
    var muted = cssVar(fig, "--muted", "#667085");
    var line = cssVar(fig, "--line", "#e4e7ec");
    var fmtValue = format("NumberFormat", { maximumFractionDigits: 2 });
    var fmtMoney = format("NumberFormat", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    var fmtTick = format("NumberFormat", { maximumFractionDigits: 2, notation: "compact" });
    var fmtDay = format("DateTimeFormat", { month: "short", day: "numeric" });
    var fmtLong = format("DateTimeFormat", { year: "numeric", month: "short", day: "numeric", weekday: "short" });

    // One y scale per unit; the first unit's axis on the left, the next on the right, and so on.
    var units = [];
    data.series.forEach(function (s) {
      var unit = s.unit || "";
      if (units.indexOf(unit) < 0) units.push(unit);
    });
    var scales = { x: { time: true, range: xRange } };
    var axes = [
      {
        scale: "x",
        font: font,
        stroke: muted,
        space: 56,
        gap: 4,
        size: 32,
        incrs: [DAY, 2 * DAY, 3 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY, 182 * DAY, 364 * DAY],
        values: function (self, splits) {
          return splits.map(function (ts) {
            return fmtDay.format(new Date(ts * 1000));
          });
        },
        grid: { show: false },
        ticks: { stroke: line, width: 1, size: 4 },
      },
    ];
    units.forEach(function (unit, k) {
      var key = "y" + k;
      var whole = data.series.every(function (s, j) {
        return (s.unit || "") !== unit || cols[j + 1].every(function (v) {
          return v === null || Math.round(v) === v;
        });
      });
      var first = data.series.findIndex(function (s) {
        return (s.unit || "") === unit;
      });
      scales[key] = { auto: true, range: yRange };
      var axis = {
        scale: key,
        side: k % 2 === 0 ? 3 : 1,
        font: font,
        stroke: units.length > 1 ? PALETTE[first % PALETTE.length] : muted,
        size: axisSize,
        gap: 6,
        space: 32,
        grid: { show: k === 0, stroke: line, width: 1 },
        ticks: { show: false },
        values: function (self, splits) {
          return splits.map(function (v) {
            return withUnit(fmtTick.format(v), unit);
          });
        },
      };
      if (whole) axis.incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 1e7, 1e8];
      axes.push(axis);
    });

    var series = [
      {
        label: "", // the legend's date needs no heading (hidden in charts.css)
        value: function (self, ts) {
          return ts === null || ts === undefined ? "—" : fmtLong.format(new Date(ts * 1000));
        },
      },
    ];
    data.series.forEach(function (s, j) {
      var color = PALETTE[j % PALETTE.length];
      var unit = s.unit || "";
      var fmt = MONEY_UNITS[unit] ? fmtMoney : fmtValue;
      series.push({
        label: String(s.label === null || s.label === undefined ? "" : s.label),
        scale: "y" + units.indexOf(unit),
        stroke: color,
        width: 2,
        fill: data.series.length === 1 ? color + "14" : undefined,
        spanGaps: false,
        points: { size: 5, fill: color },
        value: function (self, v) {
          return v === null || v === undefined ? "—" : withUnit(fmt.format(v), unit);
        },
      });
    });

    var height = parseInt(fig.dataset.height, 10);
    return {
      width: box.clientWidth || 600,
      height: height > 80 ? height : 240,
      padding: [12, units.length > 1 ? 8 : 24, 0, 4], // room for the last date when no axis is on the right
      scales: scales,
      axes: axes,
      series: series,
      legend: { live: true },
      hooks: { ready: [legendAtLastDay], setLegend: [legendAtLastDay] },
      cursor: { drag: { x: false, y: false, setScale: false }, points: { size: 7 } },
    };
  }

  var observer =
    typeof ResizeObserver === "function"
      ? new ResizeObserver(function (entries) {
          entries.forEach(function (entry) {
            var box = entry.target;
            var fig = box.closest(SELECTOR);
            var plot = fig && charts.get(fig);
            if (!plot || !box.isConnected) {
              observer.unobserve(box);
              if (fig) destroy(fig);
              return;
            }
            var width = Math.floor(entry.contentRect.width);
            if (width > 0 && width !== plot.width) plot.setSize({ width: width, height: plot.height });
          });
        })
      : null;

  function destroy(fig) {
    var plot = charts.get(fig);
    if (!plot) return;
    charts.delete(fig);
    if (observer) observer.unobserve(plot.root.parentNode || plot.root);
    plot.destroy();
  }

  function draw(fig) {
    if (charts.has(fig) || typeof window.uPlot !== "function") return;
    var data = readData(fig);
    if (!data || !data.series.length) return;
    var cols = columns(data);
    if (!cols[0].length) return;
    var box = fig.querySelector(".chart-plot");
    if (!box) {
      box = document.createElement("div");
      box.className = "chart-plot";
      box.setAttribute("aria-hidden", "true");
      var caption = fig.querySelector("figcaption");
      fig.insertBefore(box, caption ? caption.nextSibling : fig.firstChild);
    }
    box.textContent = ""; // a copy restored from htmx's history cache holds a dead canvas
    var plot = new window.uPlot(options(fig, box, data, cols), cols, box);
    charts.set(fig, plot);
    if (observer) observer.observe(box);
    var table = fig.querySelector("details.chart-data");
    if (table) table.open = false; // the picture is up: the numbers fold away, one click from view
    fig.classList.add("chart-drawn");
  }

  function safeDraw(fig) {
    try {
      draw(fig);
    } catch (err) {
      if (window.console) console.warn("kameng chart " + (fig.id || "") + " not drawn:", err);
    }
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) root = document;
    if (root.matches && root.matches(SELECTOR)) safeDraw(root);
    Array.prototype.forEach.call(root.querySelectorAll(SELECTOR), safeDraw);
  }

  document.addEventListener("htmx:load", function (evt) {
    scan(evt.target);
  });
  document.addEventListener("htmx:afterSettle", function () {
    scan(document);
  });
  document.addEventListener("htmx:historyRestore", function () {
    scan(document);
  });
  document.addEventListener("htmx:beforeCleanupElement", function (evt) {
    if (evt.target && evt.target.matches && evt.target.matches(SELECTOR)) destroy(evt.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      scan(document);
    });
  } else {
    scan(document);
  }

  window.KamengCharts = { scan: scan, draw: safeDraw, destroy: destroy };
})();
