public import Alarms
import BatteryModel
import Dispatch
import Foundation
public import GatewayConfig
public import Logging
public import ServiceLifecycle
public import Storage

/// Tells recipients about alarms: batches each person's events within a window
/// into one message per channel, queues it durably, delivers and retries with backoff.
public struct NotificationService: Service {
    private let store: DatabaseQueue<HistoryStore>
    private let settings: NotificationSettings
    private let alarms: AlarmSettings
    private let composer: MessageComposer
    private let events: EventBroadcaster
    private let logger: Logger
    private let delivery = DispatchQueue(label: "notification-delivery")

    public init(store: DatabaseQueue<HistoryStore>, settings: NotificationSettings, alarms: AlarmSettings,
                gatewayId: String, site: String, events: EventBroadcaster, logger: Logger) {
        self.store = store
        self.settings = settings
        self.alarms = alarms
        composer = MessageComposer(gatewayId: gatewayId, site: site)
        self.events = events
        self.logger = logger
    }

    private enum Input: Sendable {
        case change(MessageComposer.Change)
        case tick
    }

    /// One pending message: a recipient on a channel, and the changes collected for it.
    private struct BatchKey: Hashable {
        var recipient: Int
        var channel: String
    }

    public func run() async throws {
        let subscription = events.subscribe()
        let (inputs, input) = AsyncStream<Input>.makeStream()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in subscription.events {
                    switch event {
                    case let .alarmRaised(r): input.yield(.change(.init(raised: true, record: r)))
                    case let .alarmCleared(r): input.yield(.change(.init(raised: false, record: r)))
                    case .dischargeStarted, .dischargeEnded: continue
                    }
                }
                input.finish()
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    input.yield(.tick)
                }
            }
            group.addTask {
                // The alarm service stops first (services stop in reverse order): drain what it sent.
                try? await gracefulShutdown()
                subscription.finish()
            }
            group.addTask { await cancelWhenGracefulShutdown { await deliverLoop() } }
            await batchLoop(inputs)
            group.cancelAll()
        }
    }

    /// Collects changes per recipient and channel; a batch is queued when its window closes (or at shutdown).
    private func batchLoop(_ inputs: AsyncStream<Input>) async {
        var batches: [BatchKey: (deadline: ContinuousClock.Instant, changes: [MessageComposer.Change])] = [:]
        var overrides: [String: [AlarmType: AlarmLimit]] = [:]
        var ticks = 0
        for await item in inputs {
            switch item {
            case let .change(change):
                let limit = alarms.limits(forString: change.record.stringId).merging(overrides[change.record.stringId] ?? [:]) { $1 }[change.record.type]
                for (i, r) in settings.recipients.enumerated() where r.strings?.contains(change.record.stringId) ?? true {
                    for channel in channels(for: r, limit: limit) {
                        let key = BatchKey(recipient: i, channel: channel)
                        var batch = batches[key] ?? (ContinuousClock.now + settings.batchWindow, [])
                        batch.changes.append(change)
                        batches[key] = batch
                    }
                }
            case .tick:
                ticks += 1
                if ticks % 10 == 1, let fresh = try? await store.run({ try LimitStore(db: $0.db).all() }) { overrides = fresh }
                let now = ContinuousClock.now
                for (key, batch) in batches where batch.deadline <= now {
                    batches[key] = nil
                    await enqueue(key, batch.changes)
                }
            }
        }
        // Shutdown: what was collected is queued, and goes out after the restart.
        for (key, batch) in batches { await enqueue(key, batch.changes) }
    }

    private func channels(for r: Recipient, limit: AlarmLimit?) -> [String] {
        guard let limit else { return [] }
        var out: [String] = []
        if limit.email, r.email != nil, settings.email != nil { out.append("email") }
        if limit.sms, r.phone != nil, settings.smsModem != nil || settings.smsHTTP != nil { out.append("sms") }
        return out
    }

    private func enqueue(_ key: BatchKey, _ changes: [MessageComposer.Change]) async {
        let r = settings.recipients[key.recipient]
        let (subject, body) = key.channel == "email" ? composer.email(changes) : ("SMS", composer.sms(changes))
        let contact = (key.channel == "email" ? r.email : r.phone) ?? ""
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        do {
            _ = try await store.run {
                try NotificationStore(db: $0.db).enqueue(channel: key.channel, recipient: r.name, contact: contact,
                                                         subject: subject, body: body, at: now)
            }
        } catch {
            logger.error("cannot queue a notification", metadata: ["channel": "\(key.channel)", "error": "\(error)"])
        }
    }

    /// Sends due messages one at a time on the delivery thread; failures wait and retry.
    private func deliverLoop() async {
        while !Task.isCancelled {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let due = (try? await store.run { try NotificationStore(db: $0.db).due(now: now) }) ?? []
            for q in due where !Task.isCancelled {
                let error = await send(q)
                let at = Int64(Date().timeIntervalSince1970 * 1000)
                let attempt = q.attempts + 1
                let retryAt: Int64? = attempt >= settings.maxAttempts || error?.isFinal == true ? nil : at + backoff(attempt: attempt)
                do {
                    try await store.run { try NotificationStore(db: $0.db).record(q, at: at, error: error?.description, retryAt: retryAt) }
                } catch {
                    logger.error("cannot log a notification attempt", metadata: ["error": "\(error)"])
                }
                // Contacts and server replies (which may quote an address) stay in the delivery log, not in logs.
                if error != nil {
                    logger.warning("notification failed", metadata: ["channel": "\(q.channel)", "queue": "\(q.id)", "attempt": "\(attempt)",
                                                                      "retry": "\(retryAt != nil)"])
                } else {
                    logger.info("notification sent", metadata: ["channel": "\(q.channel)", "queue": "\(q.id)"])
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    func backoff(attempt: Int) -> Int64 {
        let first = settings.retryFirst.components.seconds * 1000, cap = settings.retryMax.components.seconds * 1000
        return min(cap, first << Int64(min(attempt - 1, 20)))
    }

    /// Delivers one message on the delivery thread; nil when sent.
    private func send(_ q: NotificationStore.Queued) async -> DeliveryError? {
        let settings = self.settings
        return await withCheckedContinuation { (c: CheckedContinuation<DeliveryError?, Never>) in
            delivery.async {
                c.resume(returning: Self.deliver(q, settings: settings))
            }
        }
    }

    static func deliver(_ q: NotificationStore.Queued, settings: NotificationSettings) -> DeliveryError? {
        do {
            switch q.channel {
            case "email":
                guard let email = settings.email else { throw DeliveryError("no SMTP server configured") }
                try SMTPMailer(settings: email).send(to: q.contact, subject: q.subject, body: q.body)
            case "sms":
                if let modem = settings.smsModem {
                    try ModemSMS(settings: modem).send(to: q.contact, text: q.body)
                } else if let http = settings.smsHTTP {
                    try HTTPSMSGateway(settings: http).send(to: q.contact, text: q.body)
                } else {
                    throw DeliveryError("no SMS modem or gateway configured")
                }
            default:
                throw DeliveryError("unknown channel \(q.channel)")
            }
            return nil
        } catch let error as DeliveryError {
            return error
        } catch {
            return DeliveryError("\(error)")
        }
    }
}
