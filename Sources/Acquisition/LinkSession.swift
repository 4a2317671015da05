public import BatteryModel
import Foundation
public import GatewayConfig
public import Logging
import ModbusCore
import RegisterMap

/// Polls the controllers of one link (a TCP connection or a serial bus) and
/// writes what it reads into the live model.
///
/// Not Sendable: it owns a libmodbus context and lives on its link's thread.
public final class LinkSession {
    public let link: LinkPlan
    private let settings: AcquisitionSettings
    private let model: LiveModel
    private let logger: Logger
    private var context: ModbusContext?
    private var runtime: [Runtime]
    private var lastFrameEnd = ContinuousClock.now
    private let clock = ContinuousClock()
    private let mailbox: LinkMailbox?
    private let observer: (any PollObserver)?

    /// Per-controller bookkeeping between sweeps.
    private struct Runtime {
        var lost = false
        var nextProbe = ContinuousClock.now
        var warned: String?
    }

    init(link: LinkPlan, settings: AcquisitionSettings, model: LiveModel, logger: Logger, mailbox: LinkMailbox?,
         observer: (any PollObserver)? = nil) {
        self.link = link
        self.observer = observer
        self.mailbox = mailbox
        self.settings = settings
        self.model = model
        var logger = logger
        logger[metadataKey: "link"] = "\(link.transport)"
        self.logger = logger
        runtime = Array(repeating: Runtime(), count: link.controllers.count)
    }

    public convenience init(link: LinkPlan, settings: AcquisitionSettings, model: LiveModel, logger: Logger) {
        self.init(link: link, settings: settings, model: model, logger: logger, mailbox: nil)
    }

    deinit {
        context?.close()
    }

    /// Serves every waiting remote request, each as one transaction on this link.
    func serveRemote() {
        while let request = mailbox?.next() {
            request.reply(forward(request))
        }
    }

    private func forward(_ request: RemoteRequest) -> Result<[UInt8], ModbusError> {
        guard let target = link.controllers.first(where: { $0.stringIndex == request.stringIndex }) else {
            return .failure(ModbusError(kind: .connection, message: "not on this link"))
        }
        do {
            let ctx = try connectedContext()
            try ctx.setUnit(target.unit)
            respectInterFrameDelay()
            defer { lastFrameEnd = clock.now }
            return .success(try ctx.forward(unit: target.unit, pdu: request.pdu))
        } catch {
            recover(after: error)
            return .failure(error)
        }
    }

    /// Reads every due controller once; `stop` is asked between controllers, so a
    /// long serial sweep does not hold up shutdown.
    public func sweep(until stop: () -> Bool = { false }) {
        for i in link.controllers.indices where !stop() {
            let now = clock.now
            if runtime[i].lost && now < runtime[i].nextProbe { continue }
            poll(i)
        }
    }

    private func poll(_ i: Int) {
        let target = link.controllers[i]
        let started = clock.now
        do {
            // A lost controller gets one attempt per request, so probing it costs little bus time.
            let attempts = runtime[i].lost ? 1 : 1 + settings.retries
            var data: [[UInt16]] = []
            data.reserveCapacity(target.plan.blocks.count)
            for block in target.plan.blocks {
                serveRemote()  // between transactions: a remote request waits for at most one
                data.append(try read(block, unit: target.unit, attempts: attempts))
            }
            let decoded = try target.plan.decode(data, stringIndex: target.stringIndex, time: Date())
            try checkIdentity(decoded, target: target)
            let warning = cellCountWarning(decoded, target: target)
            if warning != runtime[i].warned, let warning {
                logger.warning("\(warning)", metadata: ["string": "\(target.stringId)"])
            }
            runtime[i].warned = warning
            if runtime[i].lost {
                logger.notice("controller answers again", metadata: ["string": "\(target.stringId)"])
            }
            runtime[i].lost = false
            let duration = clock.now - started
            model.apply(decoded.sample, sweepDuration: duration, warning: warning)
            observer?.polled(stringIndex: target.stringIndex, duration: duration)
        } catch {
            fail(i, error: error)
        }
    }

    private func fail(_ i: Int, error: any Error) {
        let target = link.controllers[i]
        observer?.pollFailed(stringIndex: target.stringIndex, kind: pollFailureKind(error))
        let text = "\(error)"
        let before = model.string(target.stringIndex).link
        model.recordFailure(stringIndex: target.stringIndex, error: text, at: Date(), lostAfter: settings.commLostAfter)
        let after = model.string(target.stringIndex).link
        if after.quality == .commLost {
            if !runtime[i].lost {
                logger.error("communication lost", metadata: ["string": "\(target.stringId)", "error": "\(text)"])
            }
            runtime[i].lost = true
            runtime[i].nextProbe = clock.now + settings.offlineRetryInterval
        } else if before.consecutiveFailures == 0 {
            logger.warning("poll failed", metadata: ["string": "\(target.stringId)", "error": "\(text)"])
        }
    }

    /// Busy answers (exception 5 acknowledge, 6 server busy) are retried after a pause of their own,
    /// as Telegraf's modbus input does: the device is there and asks for a moment. Other exceptions
    /// end the attempts (the device answered; repeating will not help).
    static let busyRetries = 3
    static let busyPause: Duration = .milliseconds(100)

    private func read(_ block: ReadBlock, unit: Int, attempts: Int) throws -> [UInt16] {
        var lastError: ModbusError?
        var failures = 0, busy = 0
        while failures < attempts {
            // A failed attempt may have closed the connection: each attempt reconnects if needed.
            let ctx = try connectedContext()
            try ctx.setUnit(unit)
            respectInterFrameDelay()
            defer { lastFrameEnd = clock.now }
            do {
                return block.table == .input
                    ? try ctx.readInputRegisters(start: block.start, count: block.count)
                    : try ctx.readHoldingRegisters(start: block.start, count: block.count)
            } catch {
                lastError = error
                recover(after: error)
                if error.isBusy, busy < Self.busyRetries {
                    busy += 1
                    Thread.sleep(forTimeInterval: min(Self.busyPause, settings.timeout / 2).seconds)
                    continue
                }
                if case .exception = error.kind { break }
                failures += 1
            }
        }
        throw lastError ?? ModbusError(kind: .timeout, message: "no attempt made")
    }

    /// After garbage or a late answer the stream is out of step: drop it.
    private func recover(after error: ModbusError) {
        switch (link.transport, error.kind) {
        case (_, .exception):
            break
        case (.tcp, _), (.rtu, .connection):
            // TCP: drop the out-of-step stream; serial: the adapter failed (unplugged?), reopen it.
            context?.close()
        case (.rtu, .timeout):
            // A slow device may still answer: let that late reply arrive and be flushed,
            // rather than be read as the next controller's answer.
            Thread.sleep(forTimeInterval: min(0.1, settings.timeout.seconds / 2))
            context?.flush()
        case (.rtu, _):
            context?.flush()
        }
    }

    /// Modbus RTU needs 3.5 character times of silence between frames
    /// (fixed 1.75 ms above 19200 baud); libmodbus leaves that to the caller.
    private func respectInterFrameDelay() {
        guard case let .rtu(line) = link.transport else { return }
        let silence: Duration = line.baud > 19200
            ? .microseconds(1750)
            : .microseconds(Int64(3.5 * Double(line.bitsPerByte) * 1_000_000 / Double(line.baud)))
        let wait = lastFrameEnd + silence - clock.now
        if wait > .zero { Thread.sleep(forTimeInterval: wait.seconds) }
    }

    private func connectedContext() throws(ModbusError) -> ModbusContext {
        if let context, context.isConnected { return context }
        let ctx: ModbusContext
        if let context {
            ctx = context
        } else {
            switch link.transport {
            case let .tcp(host, port):
                ctx = try ModbusContext.tcp(host: host, port: port)
            case let .rtu(line):
                ctx = try ModbusContext.rtu(device: line.device, baud: line.baud, parity: Character(line.parity.rawValue),
                                            dataBits: line.dataBits, stopBits: line.stopBits)
            }
            ctx.setResponseTimeout(settings.timeout)
            context = ctx
        }
        try ctx.connect()
        return ctx
    }

    private func checkIdentity(_ decoded: DecodedSweep, target: ControllerTarget) throws(ModbusError) {
        if let expected = target.plan.map.expectedModelId, let found = decoded.modelId, found != expected {
            throw ModbusError(kind: .badResponse, message: "wrong device: model id 0x\(String(found, radix: 16, uppercase: true)), expected 0x\(String(expected, radix: 16, uppercase: true))")
        }
    }

    private func cellCountWarning(_ decoded: DecodedSweep, target: ControllerTarget) -> String? {
        guard let reported = decoded.reportedCellCount, reported != Int64(target.plan.cellCount) else { return nil }
        return "controller reports \(reported) cells, configuration says \(target.plan.cellCount)"
    }
}
