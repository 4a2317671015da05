import CMalloc
import Foundation
import Glibc

/// The executable's code pages that only start-up touched (configuration, migrations, TLS and
/// certificate set-up, the libraries' initialisation, and the kernel's fault-around of 64 KiB at
/// every first touch), given back to the kernel once the gateway runs. At full size with the web UI
/// they are about 22 of the 70 MB resident; the code polling, the agent and the web server use runs
/// to 9 MB, which the process maps again at its next use (docs/performance.md › Memory).
public enum StartupPages {
    /// Advises the executable's and the libraries' read-only mappings away and returns freed heap to the system
    /// (`malloc_trim`). Returns the resident kB (before, after), from /proc/self/status. `executable`:
    /// the file taken for the executable (tests); by default /proc/self/exe.
    ///
    /// MADV_DONTNEED, not MADV_PAGEOUT: the kernel pages out file pages only for their file's owner
    /// or writer, and the packaged service runs as `bmgw` on a binary root owns. For a private,
    /// read-only file mapping DONTNEED only unmaps: the pages stay in the page cache, clean and the
    /// first the kernel reclaims, and a later touch maps them again from there. A mapping with
    /// private changes (a debugger's breakpoints) is left alone, so nothing is ever lost.
    @discardableResult
    public static func release(executable: String? = nil) -> (before: Int, after: Int) {
        let before = residentKB()
        let exe = executable ?? (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        if !exe.isEmpty, let smaps = procFile("/proc/self/smaps") {
            for range in cleanReadOnlyRanges(smaps, path: exe) {
                _ = madvise(UnsafeMutableRawPointer(bitPattern: range.lowerBound), range.count, MADV_DONTNEED)
            }
        }
        _ = malloc_trim(0)
        return (before, residentKB())
    }

    /// The executable or a shared library: files replaced only by a new inode (dpkg renames), so
    /// the mapped pages can always be read again.
    static func isCode(_ mapped: String, executable: String) -> Bool {
        mapped == executable || (mapped.hasPrefix("/") && !mapped.hasSuffix(" (deleted)") && (mapped.hasSuffix(".so") || mapped.contains(".so.")))
    }

    /// Address ranges of the executable's (`path`) and the shared libraries' mappings in smaps text
    /// that are not writable ("r-xp", "r--p") and hold no privately changed page (Private_Dirty 0).
    static func cleanReadOnlyRanges(_ smaps: String, path: String) -> [Range<UInt>] {
        var out: [Range<UInt>] = []
        var current: Range<UInt>?
        for line in smaps.split(separator: "\n") {
            let f = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            if f.count >= 5, f[0].contains("-"), f[0].allSatisfy({ $0.isHexDigit || $0 == "-" }) {  // a mapping's header
                current = nil
                guard f.count == 6, isCode(f[5].trimmingCharacters(in: .whitespaces), executable: path), f[1].hasPrefix("r"), !f[1].contains("w")
                else { continue }
                let bounds = f[0].split(separator: "-")
                if bounds.count == 2, let lo = UInt(bounds[0], radix: 16), let hi = UInt(bounds[1], radix: 16), lo < hi { current = lo..<hi }
            } else if let range = current, line.hasPrefix("Private_Dirty:") {
                if f.count >= 2, f[1] == "0" { out.append(range) }
                current = nil
            }
        }
        return out
    }

    /// VmRSS in kB, 0 if unreadable.
    public static func residentKB() -> Int {
        guard let status = procFile("/proc/self/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }

    /// A /proc file read to its end. Foundation's String(contentsOfFile:) trusts the size stat
    /// gives, 0 here, and stops after the first read: one page of smaps, the executable's lines only.
    public static func procFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return n == 0 ? String(decoding: bytes, as: UTF8.self) : nil }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}
