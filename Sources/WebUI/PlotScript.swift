/// Draws every `.plot` of a page with dygraphs from the JSON inside it (see ``Plot``): y ticks with
/// units, a range padded so that a constant series is drawn inside the frame, the site's local time
/// on the x axis (times arrive shifted into the site's zone and are drawn as UTC), hover readout in
/// the legend, zoom and pan. Plots of one page share their x range when zoomed (a discharge's
/// voltage, current and SoC). `window.btmsPlots` lists the graphs (the browser test reads them).
enum PlotScript {
    static let text = #"""
        (() => {
          const plots = [];
          window.btmsPlots = plots;
          if (typeof Dygraph === 'undefined') return;  // no dygraphs installed: the folded tables remain
          const two = n => String(n).padStart(2, '0');
          const when = ms => { const d = new Date(ms);
            return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`; };
          // A padded range: 8 % of the span each side, at least a few steps of the measured resolution.
          function range(rows, column, digits) {
            let lo = Infinity, hi = -Infinity;
            for (const r of rows) for (const i of column) { const v = r[i]; if (v) { lo = Math.min(lo, v[0]); hi = Math.max(hi, v[2]); } }
            if (!isFinite(lo)) return null;
            const pad = Math.max((hi - lo) * 0.08, 5 * Math.pow(10, -digits), Math.abs(hi) * 0.002);
            return [lo - pad, hi + pad];
          }
          let syncing = false;
          for (const box of document.querySelectorAll('div.plot')) {
            const data = JSON.parse(box.querySelector('script').textContent);
            const rows = data.rows.map(r => [new Date(r[0]), ...r.slice(1)]);
            const right = data.right ? new Set(data.right.labels) : new Set();
            const left = data.labels.slice(1).map((l, i) => right.has(l) ? -1 : i + 1).filter(i => i > 0);
            const rightColumns = data.labels.slice(1).map((l, i) => right.has(l) ? i + 1 : -1).filter(i => i > 0);
            const fmt = (unit, digits) => v => `${Number(v).toFixed(digits)} ${unit}`;
            const series = {};
            for (const l of right) series[l] = {axis: 'y2'};
            const options = {
              labels: data.labels, customBars: true, labelsUTC: true, legend: 'always', labelsDiv: box.querySelector('.legend'),
              labelsSeparateLines: false, connectSeparatedPoints: true, drawPoints: data.rows.length < 60, pointSize: 2,
              height: 320, series, xRangePad: 4, dateWindow: data.window || null, gridLineColor: '#ddd', axisLabelWidth: 80, yLabelWidth: 18,
              axes: {
                x: {valueFormatter: when, pixelsPerLabel: 90},
                y: {axisLabelFormatter: fmt(data.unit, data.digits), valueFormatter: fmt(data.unit, data.digits), pixelsPerLabel: 28,
                    valueRange: range(data.rows, left, data.digits)},
              },
              drawCallback: (g, initial) => {
                if (initial || syncing) return;
                syncing = true;
                for (const other of plots) if (other !== g) other.updateOptions({dateWindow: g.xAxisRange()});
                syncing = false;
              },
            };
            if (data.right) {
              options.axes.y2 = {axisLabelFormatter: fmt(data.right.unit, data.right.digits), valueFormatter: fmt(data.right.unit, data.right.digits),
                                 valueRange: range(data.rows, rightColumns, data.right.digits), independentTicks: true, drawGrid: false};
            }
            plots.push(new Dygraph(box.querySelector('.chart'), rows, options));
          }
          window.btmsPlotsDrawnAt = performance.now();  // read by the bench (time to drawn plots)
        })();
        """#
}
