/// Server-rendered pages: text is always escaped; assets are served by the gateway (works offline).
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A whole page: header with the site, a user menu when logged in, the body, the software version.
    static func page(title: String, site: String, version: String, zone: String, user: String?, csrf: String?, brand: String = "", tree: String = "",
                     plots: Bool = false, body: String) -> String {
        let menu = user.map { u in
            """
            <form class="logout" method="post" action="/logout"><span>\(escape(u))</span>
            <input type="hidden" name="csrf" value="\(escape(csrf ?? ""))"><button>Log out</button></form>
            """
        } ?? ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) — \(escape(site))</title><link rel="stylesheet" href="/static/app.css">
            <script src="/static/live.js" defer></script>\(plots ? Self.plotHead : "")</head>
            <body><header>\(brand)<strong>BTMS gateway</strong> <span class="site">\(escape(site))</span>\(menu)</header>
            <div class="layout">\(user == nil ? "" : tree)<main>\(body)</main></div>
            <footer>bmgw \(escape(version)) · <span id="zone">times in \(escape(zone))</span></footer></body></html>
            """
    }

    /// The plot library and our drawing of it, on pages with plots only (130 kB, cached a day).
    static let plotHead = """
        <link rel="stylesheet" href="/static/dygraph.min.css"><script src="/static/dygraph.min.js" defer></script>\
        <script src="/static/plots.js" defer></script>
        """

    /// Data centre → UPS → strings, on the left of every page.
    static func tree(site: String, topology: [(id: String, name: String, strings: [(id: String, name: String)])]) -> String {
        var out = "<aside class=\"tree\"><ul><li><a href=\"/\">\(escape(site))</a><ul>"
        for ups in topology {
            out += "<li><a href=\"/ups/\(escape(ups.id))\">\(escape(ups.name))</a><ul>"
            for s in ups.strings { out += "<li><a href=\"/strings/\(escape(s.id))\">\(escape(s.name))</a></li>" }
            out += "</ul></li>"
        }
        return out + "</ul></li></ul></aside>"
    }

    /// Refreshes the real-time tables every 5 s without reloading: the strings and UPS tables from
    /// /api/v1/live, a string's cells (in the order and page shown) from /api/v1/strings/{id}.
    static let liveScript = """
        (() => {
          const fmt = (v, d) => v === null || v === undefined ? 'n/a' : v.toFixed(d);
          const set = (row, key, text) => { const c = row.querySelector(`[data-key="${key}"]`); if (c) c.textContent = text; };
          const strings = document.querySelector('table[data-live]');
          const ups = document.querySelector('table#ups');
          const cells = document.querySelector('table[data-live-cells]');
          async function json(url) {
            const r = await fetch(url, {credentials: 'same-origin'});
            return r.ok ? r.json() : null;
          }
          async function refresh() {
            try {
              if (strings || ups) {
                const data = await json('/api/v1/live');
                if (!data) return;
                for (const s of strings ? data.strings : []) {
                  const row = strings.querySelector(`tr[data-string="${CSS.escape(s.id)}"]`);
                  if (!row) continue;
                  for (const [key, digits] of [['voltage', 3], ['current', 3], ['soc', 1], ['temperature', 1], ['humidity', 1], ['cellVoltageMin', 3], ['cellVoltageMax', 3]]) {
                    set(row, key, fmt(s[key], digits));
                  }
                  const q = row.querySelector('[data-key="quality"]');
                  if (q) { q.textContent = s.quality; q.className = s.quality; }
                }
                for (const u of ups ? data.ups : []) {
                  const row = ups.querySelector(`tr[data-ups="${CSS.escape(u.id)}"]`);
                  if (!row) continue;
                  for (const key of ['stringsOK', 'stringsCommLost', 'stringsDischarging']) set(row, key, String(u[key]));
                  set(row, 'cellVoltageMin', fmt(u.cellVoltageMin, 3)); set(row, 'cellVoltageMinAt', u.cellVoltageMinAt || '');
                  set(row, 'cellVoltageMax', fmt(u.cellVoltageMax, 3)); set(row, 'cellResistanceMax', fmt(u.cellResistanceMax, 3));
                  set(row, 'cellResistanceMaxAt', u.cellResistanceMaxAt || '');
                }
                if (strings) strings.dataset.updated = new Date().toISOString();
                if (ups) ups.dataset.updated = new Date().toISOString();
              }
              if (cells) {
                const data = await json(`/api/v1/strings/${encodeURIComponent(cells.dataset.liveCells)}`);
                if (!data) return;
                const block = document.querySelector('#string-block');
                if (block) {
                  const s = data.summary;
                  for (const [key, digits] of [['voltage', 3], ['current', 3], ['soc', 1], ['temperature', 1], ['humidity', 1]]) set(block, key, fmt(s[key], digits));
                  block.dataset.updated = new Date().toISOString();
                }
                for (const c of data.cells) {
                  const row = cells.querySelector(`tr[data-cell="${c.cell}"]`);
                  if (!row) continue;
                  for (const [key, digits] of [['voltage', 3], ['resistance', 3], ['temperature', 1], ['soc', 1], ['soh', 1]]) set(row, key, fmt(c[key], digits));
                  set(row, 'flags', c.flags.join(', '));
                }
                cells.dataset.updated = new Date().toISOString();
              }
            } catch (e) { /* the next round tries again */ }
          }
          setInterval(refresh, 5000);
        })();
        """

    /// A form field with its label and, when the last submission had one, the problem with it.
    static func field(_ name: String, label: String, type: String = "text", value: String = "", problem: String? = nil,
                      autocomplete: String = "off") -> String {
        let error = problem.map { "<span class=\"problem\" id=\"\(name)-problem\">\(escape($0))</span>" } ?? ""
        return """
            <label for="\(name)">\(escape(label))</label>
            <input id="\(name)" name="\(name)" type="\(type)" value="\(escape(value))" autocomplete="\(autocomplete)"\(problem == nil ? "" : " aria-invalid=\"true\"")>\(error)
            """
    }

    static let css = """
        body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#f6f7f9}
        header{background:#1d3557;color:#fff;padding:.6em 1em;display:flex;gap:1em;align-items:center}
        header .site{opacity:.8}header nav a{color:#fff;margin-right:1em}header form.logout{margin-left:auto;display:flex;gap:.5em;align-items:center}
        .layout{display:flex;align-items:flex-start}main{padding:1em;max-width:1200px;flex:1}
        aside.tree{min-width:12em;padding:1em;background:#fff;border-right:1px solid #ddd;min-height:80vh}
        aside.tree ul{list-style:none;padding-left:1em;margin:.2em 0}aside.tree>ul{padding-left:0}footer{padding:1em;color:#777;font-size:.85em}
        form.box{background:#fff;padding:1.5em;max-width:24em;border-radius:6px;box-shadow:0 1px 3px #0002;display:grid;gap:.4em}
        label{font-weight:600;margin-top:.4em}input{padding:.4em;font-size:1em}button{padding:.45em 1em;font-size:1em}
        .problem{color:#b00020;font-size:.9em}.notice{background:#fff3cd;padding:.6em;border-radius:4px}
        table{border-collapse:collapse;background:#fff}th,td{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:right}
        th:first-child,td:first-child{text-align:left}td.text{text-align:left}
        header img.logo{max-height:2em;background:#fff;border-radius:3px}header .project{color:#fff;font-weight:600}
        form.settings{background:#fff;padding:1em 1.5em;margin:.8em 0;border-radius:6px;box-shadow:0 1px 3px #0002}
        form.settings .grid{display:grid;grid-template-columns:max-content 1fr;gap:.4em 1em;align-items:start;max-width:48em}
        form.settings .grid label{margin-top:.4em}.hint{color:#666;font-size:.85em;display:block}
        table.rows input,table.rows select{width:10em}table.rows input[inputmode=decimal]{width:6em}.ok{color:#1b7f3b}.stale{color:#a06000}.commLost{color:#b00020}
        header{white-space:nowrap;overflow:hidden}header>*{flex-shrink:0}header .site,header .project,header .owner{overflow:hidden;text-overflow:ellipsis;flex-shrink:1;min-width:0}
        header .owner{opacity:.8;font-size:.9em}
        p.trail{margin:.2em 0 .4em;color:#555}nav.tabs{display:flex;gap:.2em;border-bottom:2px solid #1d3557;margin-bottom:.8em}
        nav.tabs a{padding:.4em 1em;text-decoration:none;color:#1d3557;background:#e6eaf0;border-radius:4px 4px 0 0}
        nav.tabs a.active{background:#1d3557;color:#fff}
        dl.string-block{display:flex;flex-wrap:wrap;gap:.6em;margin:0 0 1em}dl.string-block>div{background:#fff;padding:.5em .9em;border-radius:6px;box-shadow:0 1px 3px #0002;min-width:7em}
        dl.string-block dt{font-size:.8em;color:#555}dl.string-block dd{margin:0;font-size:1.3em;display:inline}dl.string-block dd.unit{font-size:.9em;color:#555;margin-left:.3em}
        section.plot-box{background:#fff;padding:.6em 1em;margin:.8em 0;border-radius:6px;box-shadow:0 1px 3px #0002}section.plot-box h2{font-size:1.05em;margin:.2em 0 .5em}
        div.plot{position:relative}div.plot .chart{width:100%;height:320px}div.plot .legend{min-height:1.4em;font-size:.85em;margin-top:.3em}
        .dygraph-axis-label{font-size:12px;color:#333}.dygraph-legend{position:static!important;width:auto!important;background:none}
        form.period{display:flex;flex-wrap:wrap;gap:.4em .8em;align-items:end;background:#fff;padding:.6em 1em;border-radius:6px;box-shadow:0 1px 3px #0002}
        form.period label{display:block;margin:0;font-size:.85em}form.period select,form.period input{display:block}
        form.period div.field{display:flex;flex-direction:column;gap:.2em}form.period div.field input{width:12em}
        table#limits td,table#limits th{padding:.25em .4em;white-space:nowrap}table#limits td:first-child{white-space:normal}
        table#limits input.number{width:5.5em}table#limits input.delay{width:3.6em}table#ups td{white-space:nowrap}
        table#limits td.switch{text-align:center}span.unit{margin-left:.3em;color:#555;font-size:.9em}
        article.report h1{font-size:1.4em;margin:.3em 0 .1em}article.report p.subtitle{color:#555;margin:0 0 .8em}
        article.report section.report-top{display:flex;gap:1.5em;align-items:flex-start;flex-wrap:wrap}
        article.report .verdict{flex:1;min-width:18em}article.report .verdict h2{margin:.1em 0}
        p.capacity strong{font-size:2em;display:block}p.capacity.pass strong{color:#1b7f3b}p.capacity.replace strong{color:#b00020}
        p.capacity.none strong{color:#a06000}p.capacity span{color:#444}
        section.chart-box{background:#fff;margin:.6em 0;padding:.3em .6em}section.chart-box h3{font-size:.95em;margin:.2em 0}
        svg.line-chart{width:100%;height:auto;display:block}p.legend{font-size:.8em;margin:.1em 0;display:flex;gap:1.2em}
        article.report h2{font-size:1.1em}p.report-basis{color:#555;font-size:.85em}
        @media print{
        @page{size:A4;margin:12mm}
        body{background:#fff;font-size:9.5pt}header{background:none;color:#000;border-bottom:1px solid #000;padding:0 0 .3em}
        header .project,header .site,header .owner{color:#000}header form.logout,aside.tree,.no-print,nav.tabs{display:none}
        .layout{display:block}main{padding:0;max-width:none}footer{padding:.5em 0}
        section.chart-box,table,article.report .verdict,p.notice{break-inside:avoid}section.previous{break-inside:avoid}
        article.report section.cells{break-before:auto}table{font-size:9pt}th,td{padding:.15em .5em}
        *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
        }
        """
}
