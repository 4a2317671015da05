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
    static func page(title: String, site: String, version: String, user: String?, csrf: String?, brand: String = "", tree: String = "",
                     body: String) -> String {
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
            <script src="/static/live.js" defer></script></head>
            <body><header>\(brand)<strong>BTMS gateway</strong> <span class="site">\(escape(site))</span>\(user == nil ? "" : Self.tabs)\(menu)</header>
            <div class="layout">\(user == nil ? "" : tree)<main>\(body)</main></div>
            <footer>bmgw \(escape(version))</footer></body></html>
            """
    }

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
                  for (const [key, digits] of [['voltage', 3], ['current', 3], ['soc', 1], ['temperature', 1], ['cellVoltageMin', 3], ['cellVoltageMax', 3]]) {
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

    static let tabs = "<nav><a href=\"/\">Real-time data</a> <a href=\"/discharges\">Discharges</a> <a href=\"/alarms\">Alarms</a> <a href=\"/settings\">Settings</a></nav>"

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
        table.rows input,table.rows select{width:10em}.ok{color:#1b7f3b}.stale{color:#a06000}.commLost{color:#b00020}
        """
}
