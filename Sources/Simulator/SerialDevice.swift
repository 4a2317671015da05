import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Opening serial devices and pseudo-terminal pairs for the RTU simulator.
public enum SerialDevice {
    /// Opens `path` in raw mode at `baud`, 8N1.
    public static func openRaw(_ path: String, baud: Int) throws(SimulatorError) -> Int32 {
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw SimulatorError("cannot open \(path): \(String(cString: strerror(errno)))") }
        var tio = termios()
        if tcgetattr(fd, &tio) == 0 {
            cfmakeraw(&tio)
            let speed = speedConstant(baud)
            cfsetispeed(&tio, speed)
            cfsetospeed(&tio, speed)
            tio.c_cflag |= tcflag_t(CLOCAL | CREAD)
            tcsetattr(fd, TCSANOW, &tio)
        }
        return fd
    }

    /// Creates a pseudo-terminal pair: the master for the simulator, the slave's
    /// path for a Modbus RTU client (the gateway), like a null-modem cable.
    public static func openPTY() throws(SimulatorError) -> (master: Int32, slavePath: String) {
        // posix_openpt/ptsname are not exported by Swift's Glibc module; this is what they do on Linux.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, tiocsptlck, &unlock) == 0, ioctl(master, tiocgptn, &number) == 0 else {
            throw SimulatorError("cannot create a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let name = "/dev/pts/\(number)"
        var tio = termios()
        if tcgetattr(master, &tio) == 0 {
            cfmakeraw(&tio)
            tcsetattr(master, TCSANOW, &tio)
        }
        return (master, name)
    }

    // _IOW('T', 0x31, int) and _IOR('T', 0x30, unsigned int): function-like macros Swift cannot
    // import; these encodings are the same on x86_64 and arm64 Linux.
    private static let tiocsptlck: UInt = 0x4004_5431
    private static let tiocgptn: UInt = 0x8004_5430

    static func speedConstant(_ baud: Int) -> speed_t {
        switch baud {
        case 1200: speed_t(B1200)
        case 2400: speed_t(B2400)
        case 4800: speed_t(B4800)
        case 9600: speed_t(B9600)
        case 19200: speed_t(B19200)
        case 38400: speed_t(B38400)
        case 57600: speed_t(B57600)
        case 230400: speed_t(B230400)
        default: speed_t(B115200)
        }
    }
}
