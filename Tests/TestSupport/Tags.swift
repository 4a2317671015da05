public import Testing

extension Tag {
    /// Runs whole gateways, real peers (mosquitto, net-snmp, an SMTP sink, a modem on a pty, curl)
    /// or the bmgw executable: seconds per test. `scripts/test.sh` runs them after the unit layer.
    @Tag public static var endToEnd: Self
    /// Headless Chromium, or the full-size plant polled every second: run last and by themselves.
    @Tag public static var heavy: Self
}
