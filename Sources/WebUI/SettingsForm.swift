import Foundation
/// A settings page as a list of fields, each named by its path in the configuration section, so a
/// submitted form becomes section pairs and a configuration problem points back at its field.
struct SettingsForm: Sendable {
    struct Field: Sendable {
        enum Kind: Sendable, Equatable {
            case text, number, password, bool, textarea
            case choice([String])
            /// A list of single values, edited as one comma-separated text (`path[0]`, `path[1]`, …).
            case list
        }

        let path: String
        let label: String
        var kind: Kind = .text
        var hint: String = ""
        /// What the configuration loader uses when the key is absent (shown then).
        var preset: String = ""
    }

    /// Rows of a list of mappings (`users[0].name`, …); the first column identifies a row.
    struct Table: Sendable {
        let path: String
        let label: String
        let columns: [Field]
        var hint: String = ""
    }

    let section: String
    let title: String
    let intro: String
    var fields: [Field] = []
    var tables: [Table] = []
    /// Empty rows offered below a table's rows for additions.
    static let spareRows = 2

    /// Does the form set this path (so a current value at it is replaced, not carried over)?
    func covers(_ path: String) -> Bool {
        for f in fields {
            if path == f.path { return f.kind != .password }
            if f.kind == .list && path.hasPrefix(f.path + "[") { return true }
        }
        return tables.contains { path.hasPrefix($0.path + "[") }
    }

    /// The section's pairs after a submission: what the form sets, plus the current pairs it does not
    /// show (kept as they were). An empty password field keeps the current password. A field shown
    /// with the loader's default (its preset) and sent back unchanged is not written where the key
    /// was absent: it means the same, and it must not create a section nobody filled in.
    func pairs(from form: [String: String], current: [String: String]) -> [String: String] {
        var out = current.filter { !covers($0.key) }
        for f in fields {
            var value = (form[f.path] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if f.kind == .bool { value = value == "true" ? "true" : "false" }
            if current[f.path] == nil && !f.preset.isEmpty && value == f.preset { continue }
            switch f.kind {
            case .password:
                // A new password replaces the one in the file and a password file named there.
                guard !value.isEmpty else { continue }
                out[f.path] = value
                let parent = f.path.split(separator: ".").dropLast().joined(separator: ".")
                out.removeValue(forKey: parent.isEmpty ? "passwordFile" : "\(parent).passwordFile")
            case .list:
                let items = value.split(whereSeparator: { $0 == "," || $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                for (i, item) in items.enumerated() { out["\(f.path)[\(i)]"] = item }
            default:
                if !value.isEmpty { out[f.path] = value }
            }
        }
        for t in tables {
            for (row, i) in keptRows(t, form: form, current: current).enumerated() {
                let prefix = "\(t.path)[\(i)]"
                var values: [String: String] = [:]
                for c in t.columns {
                    let v = (form["\(prefix).\(c.path)"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                    if !v.isEmpty { values[c.path] = v }
                }
                // An empty password keeps the one of the current row with the same key (first column).
                if let key = t.columns.first?.path, let id = values[key],
                   let old = (0..<Self.rowCount(t, current)).first(where: { current["\(t.path)[\($0)].\(key)"] == id }) {
                    for c in t.columns where c.kind == .password && values[c.path] == nil {
                        values[c.path] = current["\(t.path)[\(old)].\(c.path)"]
                    }
                }
                for (k, v) in values { out["\(t.path)[\(row)].\(k)"] = v }
            }
        }
        return out
    }

    /// The submitted rows of a table that become rows of the section, in order: not ticked for
    /// removal, and with something filled in besides the presets (a spare row has `access: read`).
    func keptRows(_ t: Table, form: [String: String], current: [String: String]) -> [Int] {
        let submittedRows = Self.highestIndex(t.path, in: form.keys).map { $0 + 1 } ?? 0
        return (0..<max(submittedRows, Self.rowCount(t, current))).filter { i in
            let prefix = "\(t.path)[\(i)]"
            guard form["\(prefix).remove"] != "true" else { return false }
            return t.columns.contains { c in
                let v = (form["\(prefix).\(c.path)"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                return !v.isEmpty && v != c.preset
            }
        }
    }

    /// A problem's field in the section (`users[1].name`) as the field of the submitted form: table
    /// rows are renumbered when rows are removed or left empty.
    func formField(_ path: String, form: [String: String], current: [String: String]) -> String {
        for t in tables where path.hasPrefix(t.path + "[") {
            let rest = path.dropFirst(t.path.count + 1)
            guard let close = rest.firstIndex(of: "]"), let row = Int(rest[..<close]) else { return path }
            let kept = keptRows(t, form: form, current: current)
            guard row < kept.count else { return path }
            return "\(t.path)[\(kept[row])]" + rest[rest.index(after: close)...]
        }
        return path
    }

    /// The highest row index of a table among submitted field names (`users[7].name` → 7).
    static func highestIndex(_ table: String, in names: some Sequence<String>) -> Int? {
        names.compactMap { name -> Int? in
            guard name.hasPrefix(table + "["), let close = name.firstIndex(of: "]") else { return nil }
            return Int(name[name.index(name.startIndex, offsetBy: table.count + 1)..<close]).flatMap { (0..<10_000).contains($0) ? $0 : nil }
        }.max()
    }

    static func rowCount(_ t: Table, _ pairs: [String: String]) -> Int {
        var n = 0
        while pairs.keys.contains(where: { $0.hasPrefix("\(t.path)[\(n)].") }) { n += 1 }
        return n
    }

    /// The form's HTML: values from `values` (the current pairs, or what was submitted), each
    /// field's problem beside it.
    func render(action: String, csrf: String, values: [String: String], problems: [String: String], editable: Bool) -> String {
        var html = "<form class=\"settings\" id=\"form-\(section)\" method=\"post\" action=\"\(HTML.escape(action))\">"
        html += "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(csrf))\">"
        if let general = problems[""] { html += "<p class=\"problem\" id=\"form-problem\">\(HTML.escape(general))</p>" }
        html += "<div class=\"grid\">"
        for f in fields { html += input(f, name: f.path, values: values, problem: problems[f.path], editable: editable, labelled: true) }
        html += "</div>"
        for t in tables {
            html += "<h3>\(HTML.escape(t.label))</h3>"
            if !t.hint.isEmpty { html += "<p class=\"hint\">\(HTML.escape(t.hint))</p>" }
            html += "<table class=\"rows\" id=\"table-\(HTML.escape(t.path))\"><thead><tr>"
            for c in t.columns { html += "<th>\(HTML.escape(c.label))</th>" }
            html += editable ? "<th>Remove</th></tr></thead><tbody>" : "</tr></thead><tbody>"
            let rows = Self.rowCount(t, values) + (editable ? Self.spareRows : 0)
            for i in 0..<rows {
                html += "<tr>"
                for c in t.columns {
                    let name = "\(t.path)[\(i)].\(c.path)"
                    html += "<td>" + input(c, name: name, values: values, problem: problems[name], editable: editable, labelled: false) + "</td>"
                }
                if editable {
                    html += "<td><input type=\"checkbox\" name=\"\(t.path)[\(i)].remove\" value=\"true\" aria-label=\"remove row \(i + 1)\"></td>"
                }
                html += "</tr>"
            }
            html += "</tbody></table>"
            if let p = problems[t.path] { html += "<p class=\"problem\">\(HTML.escape(p))</p>" }
        }
        if editable { html += "<p><button id=\"save-\(section)\">Save</button></p>" }
        return html + "</form>"
    }

    private func input(_ f: Field, name: String, values: [String: String], problem: String?, editable: Bool, labelled: Bool) -> String {
        let id = HTML.escape(name)
        var value = values[name] ?? f.preset
        if f.kind == .list {
            var items: [String] = []
            while let v = values["\(name)[\(items.count)]"] { items.append(v) }
            value = items.joined(separator: ", ")
        }
        let invalid = problem == nil ? "" : " aria-invalid=\"true\""
        let disabled = editable ? "" : " disabled"
        let label = labelled ? "<label for=\"\(id)\">\(HTML.escape(f.label))</label>" : ""
        let aria = labelled ? "" : " aria-label=\"\(HTML.escape(f.label))\""
        var control: String
        switch f.kind {
        case .bool:
            let on = ["true", "yes", "on"].contains(value.lowercased())
            control = "<span><input type=\"hidden\" name=\"\(id)\" value=\"false\"><input type=\"checkbox\" id=\"\(id)\" name=\"\(id)\" value=\"true\"\(on ? " checked" : "")\(aria)\(disabled)></span>"
        case let .choice(options):
            control = "<select id=\"\(id)\" name=\"\(id)\"\(aria)\(invalid)\(disabled)>"
            let all = options.contains(value) || value.isEmpty ? options : [value] + options
            for o in all { control += "<option\(o == value ? " selected" : "")>\(HTML.escape(o))</option>" }
            control += "</select>"
        case .password:
            // Never sent back to the browser: empty keeps the current one.
            let placeholder = value.isEmpty && values[name.replacingOccurrences(of: "password", with: "passwordFile")] == nil ? "" : "(unchanged)"
            control = "<input type=\"password\" id=\"\(id)\" name=\"\(id)\" value=\"\" placeholder=\"\(placeholder)\" autocomplete=\"new-password\"\(aria)\(invalid)\(disabled)>"
        case .textarea:
            control = "<textarea id=\"\(id)\" name=\"\(id)\" rows=\"3\"\(aria)\(invalid)\(disabled)>\(HTML.escape(value))</textarea>"
        case .number, .text, .list:
            control = "<input id=\"\(id)\" name=\"\(id)\" value=\"\(HTML.escape(value))\" autocomplete=\"off\"\(f.kind == .number ? " inputmode=\"decimal\"" : "")\(aria)\(invalid)\(disabled)>"
        }
        let hint = labelled && !f.hint.isEmpty ? "<small class=\"hint\">\(HTML.escape(f.hint))</small>" : ""
        let error = problem.map { "<span class=\"problem\" id=\"\(id)-problem\">\(HTML.escape($0))</span>" } ?? ""
        return labelled ? "\(label)<div>\(control)\(hint)\(error)</div>" : control + error
    }
}
