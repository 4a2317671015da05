import CMalloc

/// glibc gives threads that allocate at the same moment their own heaps ("arenas", up to 8 per
/// core), and an arena once made is kept with its free pages for the life of the process. The
/// gateway's 40-odd threads had made 15 of the 16 allowed on two cores within a minute; a Dispatch
/// worker added hours later made the 16th and RSS rose by 3 MB for good (the soak, docs/operations.md).
/// At a sweep a second there is next to no contention to spare the threads from: two arenas cost
/// no measurable CPU in the hour-long soak (2.3 % of a core either way) and hold 1.5 MB less.
public enum MallocArenas {
    /// Called first thing by `bmgw run`, before the gateway's threads allocate.
    public static func limit(_ count: Int32 = 2) {
        _ = mallopt(M_ARENA_MAX, count)
    }
}
