/// Draws the heatmap (see ``HeatmapRoutes``) on its canvas: one square per cell, blue below its
/// string's mean, red above; the colour scale runs to the largest deviation on the page (at least a
/// few times the measuring resolution, so a healthy plant stays pale), cells in alarm outlined in
/// black. Hover reads a cell out; a click opens it. `window.btmsHeatmap` holds what was drawn (the
/// browser test reads it).
enum HeatmapScript {
    static let text = #"""
        (() => {
          const box = document.getElementById('heatmap');
          if (!box) return;
          const data = JSON.parse(box.querySelector('script').textContent);
          const canvas = box.querySelector('canvas'), ctx = canvas.getContext('2d');
          const rows = data.rows, strings = data.strings;
          const cells = Math.max(1, ...rows.map(r => r ? r.length : 0));
          const labelWidth = 64, width = Math.max(600, Math.min(box.clientWidth || 1100, 1180));
          const cw = Math.max(3, Math.floor((width - labelWidth) / cells));
          const ch = Math.max(8, Math.min(20, Math.floor(560 / Math.max(1, rows.length))));
          canvas.width = labelWidth + cw * cells;
          canvas.height = ch * rows.length + 22;
          const floor = {'V': 0.02, 'mΩ': 0.2, '°C': 0.5}[data.unit] || 0;
          let scale = floor;
          for (const r of rows) for (const c of r || []) if (c) scale = Math.max(scale, Math.abs(c[0]));
          const mix = (a, t) => Math.round(255 + (a - 255) * t);
          const colour = d => {
            const t = Math.min(1, Math.abs(d) / scale);
            const [r, g, b] = d < 0 ? [33, 102, 172] : [198, 40, 40];
            return `rgb(${mix(r, t)},${mix(g, t)},${mix(b, t)})`;
          };
          ctx.font = '11px system-ui, sans-serif';
          ctx.textBaseline = 'middle';
          const marked = [], all = [];
          rows.forEach((r, i) => {
            ctx.fillStyle = '#222';
            ctx.fillText(strings[i], 2, i * ch + ch / 2);
            (r || []).forEach((c, n) => {
              const x = labelWidth + n * cw, y = i * ch;
              ctx.fillStyle = c ? colour(c[0]) : '#bbb';
              ctx.fillRect(x, y, cw - 1, ch - 1);
              if (!c) return;
              all.push({cell: `${strings[i]}#${n + 1}`, deviation: c[0]});
              if (c[2]) { marked.push(`${strings[i]}#${n + 1}`); ctx.strokeStyle = '#000'; ctx.lineWidth = 2; ctx.strokeRect(x + 1, y + 1, cw - 3, ch - 3); }
            });
          });
          ctx.fillStyle = '#444';
          for (let n = 0; n < cells; n += 10) ctx.fillText(String(n + 1), labelWidth + n * cw, rows.length * ch + 11);
          const outliers = all.sort((a, b) => Math.abs(b.deviation) - Math.abs(a.deviation)).slice(0, 5).map(o => o.cell);
          const at = e => {
            const b = canvas.getBoundingClientRect();
            const x = (e.clientX - b.left) * canvas.width / b.width, y = (e.clientY - b.top) * canvas.height / b.height;
            const i = Math.floor(y / ch), n = Math.floor((x - labelWidth) / cw);
            return i >= 0 && i < rows.length && n >= 0 && rows[i] && n < rows[i].length ? {i, n} : null;
          };
          const readout = box.querySelector('.readout');
          canvas.addEventListener('mousemove', e => {
            const p = at(e), c = p && rows[p.i][p.n];
            readout.textContent = p ? `${strings[p.i]} cell ${p.n + 1}: ` + (c ? `${c[1].toFixed(data.digits)} ${data.unit} (${c[0] >= 0 ? '+' : ''}${c[0].toFixed(data.digits)} from its string's mean)${c[2] ? ', alarm' : ''}` : 'n/a') : '';
          });
          canvas.addEventListener('click', e => {
            const p = at(e);
            if (p) location.href = `/strings/${encodeURIComponent(strings[p.i])}/cells/${p.n + 1}`;
          });
          box.querySelector('.scale').textContent = `−${scale.toFixed(data.digits)} ${data.unit}  ◀ blue · white at the string's mean · red ▶  +${scale.toFixed(data.digits)} ${data.unit}`;
          window.btmsHeatmap = {scale, marked, outliers, cells: all.length, drawn: true, drawnAt: performance.now()};
          box.dataset.drawn = '1';
        })();
        """#
}
