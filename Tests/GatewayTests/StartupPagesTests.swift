import Foundation
@testable import ServiceSupport
import Testing

@Suite struct StartupPagesTests {
    @Test func onlyCleanReadOnlyCodeMappingsAreChosen() {
        func mapping(_ header: String, dirty: Int) -> String {
            "\(header)\nSize:                  8 kB\nRss:                   4 kB\nPrivate_Clean:         4 kB\nPrivate_Dirty:       \(dirty) kB\nSwap:                  0 kB\n"
        }
        let smaps = [
            mapping("5600000000-5600001000 r--p 00000000 fe:00 42    /usr/bin/bmgw", dirty: 0),
            mapping("5600001000-5600003000 r-xp 00001000 fe:00 42    /usr/bin/bmgw", dirty: 0),
            mapping("5600003000-5600004000 rw-p 00003000 fe:00 42    /usr/bin/bmgw", dirty: 0),
            mapping("5600005000-5600006000 r-xp 00005000 fe:00 42    /usr/bin/bmgw", dirty: 4),  // a breakpoint written
            mapping("7f00000000-7f00002000 r-xp 00000000 fe:00 77    /usr/lib/libc.so.6", dirty: 0),
            mapping("7f00002000-7f00003000 rw-p 00000000 00:00 0", dirty: 4),
            mapping("7f00003000-7f00004000 r--p 00000000 fe:00 78    /var/lib/bmgw/history.sqlite", dirty: 0),
            mapping("7f00004000-7f00005000 r-xp 00000000 fe:00 43    /usr/bin/bmgw (deleted)", dirty: 0),
        ].joined()
        // The executable's r--p and r-xp and the library's r-xp; not the writable, changed, deleted or data mappings.
        #expect(StartupPages.cleanReadOnlyRanges(smaps, path: "/usr/bin/bmgw")
            == [0x56_0000_0000..<0x56_0000_1000, 0x56_0000_1000..<0x56_0000_3000, 0x7F_0000_0000..<0x7F_0000_2000])
    }

    /// Resident kB of this process's mappings of `path`, from smaps.
    func residentKB(of path: String) throws -> Int {
        var inside = false, total = 0
        for line in try #require(StartupPages.procFile("/proc/self/smaps")).split(separator: "\n") {
            if let first = line.first, first.isHexDigit, line.contains("-") {
                inside = line.hasSuffix(" " + path)
            } else if inside, line.hasPrefix("Rss:") {
                total += Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
            }
        }
        return total
    }

    /// A read-only private mapping of a file, every page touched, stands in for the executable
    /// (the test binary's own code is running, so the kernel maps part of it again at once): after
    /// the release none of it is resident, and it still reads back the same.
    @Test func releasingUnmapsTheCleanPages() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("startup-pages-\(getpid()).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let size = 8 << 20
        try Data((0..<size).map { UInt8(truncatingIfNeeded: $0 / 4096) }).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        let mapped = try #require(mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0).flatMap { $0 == MAP_FAILED ? nil : $0 })
        defer { munmap(mapped, size) }
        let bytes = mapped.assumingMemoryBound(to: UInt8.self)
        var sum = 0
        for page in stride(from: 0, to: size, by: 4096) { sum &+= Int(bytes[page]) }
        let before = try residentKB(of: path)
        StartupPages.release(executable: path)
        let after = try residentKB(of: path)
        #expect(before >= 8 * 1024 * 9 / 10, "touched: \(before) kB resident")
        #expect(after < 1024, "released: \(after) kB resident")
        var again = 0
        for page in stride(from: 0, to: size, by: 4096) { again &+= Int(bytes[page]) }
        #expect(again == sum, "the pages read back unchanged")
    }
}
