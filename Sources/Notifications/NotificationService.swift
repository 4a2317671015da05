public import Alarms
public import BatteryModel
import Dispatch
import Foundation
public import GatewayConfig
public import Logging
public import ServiceLifecycle
import ServiceSupport
public import Storage

/// Tells recipients about alarms: collects each person's changes within a window (durably,
/// in SQLite) into one message per channel, queues it, delivers and retries with backoff.
public struct NotificationService: Service {
    private let store: DatabaseQueue<GatewayDatabase>
    private let source: LiveSettings<NotificationSettings>
    /// Read at each use: recipients, channels and retries can change while running.
    private var settings: NotificationSettings { source.current }
    private let limits: LimitOverrides
    private let gatewayId: String
    private let site: String
    /// The site's zone as currently set (the time settings can change while running).
    private let siteTime: @Sendable () -> SiteTime
    /// Taken when the service is made, before any service runs, so no event of the start is missed.
    private let subscription: Subscription<GatewayEvent, Tick>
    private let logger: Logger
    private let delivery = DispatchQueue(label: "notification-delivery")
    private let counts: DeliveryCounts

    public init(store: DatabaseQueue<GatewayDatabase>, settings: LiveSettings<NotificationSettings>, limits: LimitOverrides,
                gatewayId: String, site: String, siteTime: @escaping @Sendable () -> SiteTime = { .utc }, events: EventBroadcaster,
                counts: DeliveryCounts = DeliveryCounts(), logger: Logger) {
        self.store = store
        self.counts = counts
        source = settings
        self.limits = limits
        (self.gatewayId, self.site, self.siteTime) = (gatewayId, site, siteTime)
        subscription = events.subscribe(ticks: Tick.self)
        self.logger = logger
    }

    /// Closed batch windows are looked for, and due messages sent, this often: each look is one
    /// indexed query, and a message waits at most two of them after its window (at 1 s it was up to
    /// 2 s; `scripts/bench.sh latency`).
    static let pace = Duration.milliseconds(250)

    enum Tick: Hashable, Sendable { case compose }

    public func run() async throws {
        await ServiceLoop.run(subscription, timers: [.init(.compose, every: Self.pace)], alongside: [{ await deliverLoop() }]) { input in
            switch input {
            case let .event(.alarmRaised(r)): await hold(MessageComposer.Change(raised: true, record: r))
            case let .event(.alarmCleared(r)): await hold(MessageComposer.Change(raised: false, record: r))
            case .event(.dischargeStarted), .event(.dischargeEnded), .event(.remoteWrite): return
            case .tick(.compose): await composeClosedBatches()
            }
        }
    }

    /// Stores a change for every recipient and channel that wants it (so a restart loses none);
    /// a batch becomes one queued message when its window closes.
    private func hold(_ change: MessageComposer.Change) async {
        let id = change.record.stringId
        let limit = limits.effective(forString: id)[change.record.type]
        var targets: [(channel: NotificationChannel, recipient: Recipient)] = []
        for r in settings.recipients where r.strings?.contains(id) ?? true {
            for channel in channels(for: r, limit: limit) { targets.append((channel, r)) }
        }
        guard !targets.isEmpty, let json = try? String(decoding: JSONEncoder().encode(change), as: UTF8.self) else { return }
        let deadline = Self.now() + settings.batchWindow.milliseconds
        let chosen = targets
        do {
            try await store.run { store in
                try store.db.transaction {
                    let n = NotificationStore(db: store.db)
                    for (channel, r) in chosen {
                        let contact = (channel == .email ? r.email : r.phone) ?? ""
                        try n.addPending(channel: channel, recipient: r.name, contact: contact, change: json, deadline: deadline)
                    }
                }
            }
        } catch {
            logger.error("cannot store an alarm change for notification", metadata: ["error": "\(error)"])
        }
    }

    /// Turns every batch whose window has closed into one queued message, in one transaction.
    private func composeClosedBatches() async {
        let composer = MessageComposer(gatewayId: gatewayId, site: site, time: siteTime())
        let now = Self.now()
        do {
            try await store.run { store in
                try store.db.transaction {
                    let n = NotificationStore(db: store.db)
                    for batch in try n.takeClosedBatches(now: now) {
                        let changes = batch.changes.compactMap { try? JSONDecoder().decode(MessageComposer.Change.self, from: Data($0.utf8)) }
                        guard !changes.isEmpty else { continue }
                        let (subject, body) = batch.channel == .email ? composer.email(changes) : ("SMS", composer.sms(changes))
                        try n.enqueue(channel: batch.channel, recipient: batch.recipient, contact: batch.contact,
                                      subject: subject, body: body, at: now, alarmIds: changes.map(\.record.id))
                    }
                }
            }
        } catch {
            logger.error("cannot compose notifications", metadata: ["error": "\(error)"])
        }
    }

    private func channels(for r: Recipient, limit: AlarmLimit?) -> [NotificationChannel] {
        guard let limit else { return [] }
        var out: [NotificationChannel] = []
        if limit.email, r.email != nil, settings.email != nil { out.append(.email) }
        if limit.sms, r.phone != nil, settings.smsModem != nil || settings.smsHTTP != nil { out.append(.sms) }
        return out
    }

    static func now() -> Int64 { Timestamp.now.millis }

    /// Sends due messages one at a time on the delivery thread; failures wait and retry.
    private func deliverLoop() async {
        while !Task.isCancelled {
            let now = Timestamp.now.millis
            let due = (try? await store.run { try NotificationStore(db: $0.db).due(now: now) }) ?? []
            for q in due where !Task.isCancelled {
                let error = await send(q)
                let at = Timestamp.now.millis
                let attempt = q.attempts + 1
                let retryAt: Int64? = attempt >= settings.maxAttempts || error?.isFinal == true ? nil : at + backoff(attempt: attempt)
                counts.add(channel: q.channel, result: error == nil ? "sent" : retryAt == nil ? "gave-up" : "failed")
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
            try? await Task.sleep(for: Self.pace)
        }
    }

    func backoff(attempt: Int) -> Int64 {
        let first = settings.retryFirst.milliseconds, cap = settings.retryMax.milliseconds
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

    /// Delivers one message now on the calling thread (blocking); nil when sent.
    public static func deliver(_ q: NotificationStore.Queued, settings: NotificationSettings) -> DeliveryError? {
        do {
            switch q.channel {
            case .email:
                guard let email = settings.email else { throw DeliveryError("no SMTP server configured") }
                try SMTPMailer(settings: email).send(to: q.contact, subject: q.subject, body: q.body)
            case .sms:
                if let modem = settings.smsModem {
                    try ModemSMS(settings: modem).send(to: q.contact, text: q.body)
                } else if let http = settings.smsHTTP {
                    try HTTPSMSGateway(settings: http).send(to: q.contact, text: q.body)
                } else {
                    throw DeliveryError("no SMS modem or gateway configured")
                }
            }
            return nil
        } catch let error as DeliveryError {
            return error
        } catch {
            return DeliveryError("\(error)")
        }
    }
}
