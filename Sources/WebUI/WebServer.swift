public import Alarms
public import Analytics
public import BatteryModel
import Foundation
public import GatewayConfig
import Hummingbird
import HummingbirdTLS
public import Logging
import NIOSSL
public import ServiceLifecycle
public import Storage

/// The HTTPS web UI and JSON API, and the plain-HTTP listener that only redirects to it.
public struct WebServer: Service {
    public static let defaultUser = "admin"
    public static let defaultPassword = "admin"

    let settings: WebSettings
    let limits: LimitOverrides
    let dataDirectory: String
    let model: LiveModel
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer
    let logger: Logger
    let sessions: SessionStore
    let throttle = LoginThrottle()
    let backend: any SettingsBackend
    let exports: ExportJobs
    let backups: BackupJobs
    /// The Prometheus exposition, when `settings.metrics` serves it.
    let metrics: (@Sendable (_ cells: Bool) async -> [UInt8])?
    /// Each cell's remaining life, as last estimated.
    let life: LifeEstimates

    public init(settings: WebSettings, limits: LimitOverrides, dataDirectory: String, model: LiveModel, store: DatabaseQueue<GatewayDatabase>,
                version: String, backend: any SettingsBackend, metrics: (@Sendable (_ cells: Bool) async -> [UInt8])? = nil,
                life: LifeEstimates = LifeEstimates(), logger: Logger) {
        self.metrics = metrics
        self.life = life
        self.settings = settings
        self.limits = limits
        self.dataDirectory = dataDirectory
        self.model = model
        self.store = store
        page = PageRenderer(topology: model.topology, version: version, project: { backend.current.project },
                            logoPath: ProjectLogo.path(dataDirectory: dataDirectory), siteTime: { backend.current.time.siteTime })
        self.backend = backend
        exports = ExportJobs(directory: "\(dataDirectory)/exports", store: store, logger: logger)
        backups = BackupJobs(directory: "\(dataDirectory)/backups", logger: logger)
        self.logger = logger
        sessions = SessionStore(timeout: settings.sessionTimeout)
    }

    public func run() async throws {
        let identity = try TLSIdentity.load(certFile: settings.certFile, keyFile: settings.keyFile, directory: dataDirectory,
                                            hostName: settings.hostName)
        logger.notice("web UI certificate", metadata: ["sha256": "\(identity.fingerprint)", "selfSigned": "\(settings.certFile == nil)",
                                                       "generated": "\(identity.generated)"])
        try await ensureDefaultAdministrator()
        await PasswordHasher.prepare()
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: identity.certificateChain.map { .certificate($0) },
                                                           privateKey: .privateKey(identity.privateKey))
        tls.minimumTLSVersion = .tlsv12
        let app = Application(router: router(), server: try .tls(.http1(), tlsConfiguration: tls),
                              configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
                              logger: logger)
        logger.info("web UI listening", metadata: ["https": "\(settings.host):\(settings.port)",
                                                   "redirect": "\(settings.redirectPort.map(String.init) ?? "none")"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            if let redirectPort = settings.redirectPort {
                let redirect = Application(router: redirectRouter(), configuration: .init(address: .hostname(settings.host, port: redirectPort)),
                                           logger: logger)
                group.addTask { try await redirect.run() }
            }
            group.addTask { await watchUsers() }
            // The servers end at shutdown (or fail): then the watcher goes too.
            try await group.next()
            group.cancelAll()
        }
    }

    func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.add(middleware: ServerTimingMiddleware())
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: SessionMiddleware(sessions: sessions))
        router.get("/static/app.css") { _, _ -> Response in
            var r = Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"], body: .init(byteBuffer: .init(string: HTML.css)))
            r.headers[.cacheControl] = "max-age=3600"
            return r
        }
        router.get("/static/live.js") { _, _ -> Response in
            var r = Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"],
                             body: .init(byteBuffer: .init(string: HTML.liveScript)))
            r.headers[.cacheControl] = "max-age=3600"
            return r
        }
        SystemScripts().register(router)
        if let metrics, let settings = settings.metrics { MetricsRoute(settings: settings, exposition: metrics, logger: logger).register(router) }
        AuthRoutes(sessions: sessions, throttle: throttle, store: store, page: page, logger: logger).register(router)
        PlantRoutes(model: model, store: store, limits: limits, page: page, life: life).register(router)
        router.get("/api/v1/openapi.yaml") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: .init(string: OpenAPIDocument.yaml)))
        }
        AlarmRoutes(model: model, store: store, page: page).register(router)
        HistoryRoutes(model: model, store: store, page: page, life: life).register(router)
        DischargeRoutes(model: model, store: store, page: page).register(router)
        DischargeReportRoutes(model: model, store: store, page: page).register(router)
        HeatmapRoutes(model: model, store: store, page: page).register(router)
        LimitRoutes(model: model, alarmLimits: limits, store: store, page: page, logger: logger).register(router)
        SettingsRoutes(backend: backend, store: store, page: page, logger: logger).register(router)
        UserRoutes(sessions: sessions, store: store, backend: backend, page: page, logger: logger).register(router)
        RemoteAccessRoutes(backend: backend, store: store, page: page, logger: logger).register(router)
        ExportRoutes(jobs: exports, model: model, store: store, page: page).register(router)
        BackupRoutes(jobs: backups, backend: backend, store: store, page: page).register(router)
        ProjectLogo(path: ProjectLogo.path(dataDirectory: dataDirectory), store: store, page: page, logger: logger).register(router)
        TLSUpload(directory: "\(dataDirectory)/tls", backend: backend, store: store, page: page, logger: logger).register(router)
        return router
    }

    /// Every plain-HTTP request: to the same path over HTTPS (host from the request, HTTPS port).
    func redirectRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let port = settings.port
        let handler: @Sendable (Request, BasicRequestContext) -> Response = { request, _ in
            let authority = request.head.authority ?? "localhost"
            let host = authority.hasPrefix("[") ? String(authority.prefix { $0 != "]" }) + "]" : String(authority.prefix { $0 != ":" })
            return .redirect(to: "https://\(host):\(port)\(request.uri.string)", type: .permanent)
        }
        // "**" matches one or more path components; "/" needs its own routes.
        for path in ["/", "**"] {
            router.get(RouterPath(stringLiteral: path), use: handler)
            router.head(RouterPath(stringLiteral: path), use: handler)
            router.post(RouterPath(stringLiteral: path), use: handler)
        }
        return router
    }

    /// Every 5 s: sessions of users deleted, changed in role or given another password outside this
    /// server's own pages (`bmgw password`, a restored database) end.
    func watchUsers() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(5))
            // Read and compared on the database's queue, where a password change stores its hash and
            // updates its own session in one step (AuthRoutes): never between the two.
            let sessions = self.sessions
            guard !Task.isCancelled, let ended = try? await store.run({ s in
                let users = try UserStore(db: s.db).all()
                return sessions.endStale(users: Dictionary(uniqueKeysWithValues: users.map { ($0.id, ($0.isAdmin, $0.passwordHash)) }))
            }) else { continue }
            if ended > 0 { logger.notice("web sessions ended: their user was changed or deleted", metadata: ["sessions": "\(ended)"]) }
        }
    }

    /// First start: an administrator `admin` / `admin` who must choose a password at the first login.
    func ensureDefaultAdministrator() async throws {
        guard try await store.run({ try UserStore(db: $0.db).count() }) == 0 else { return }
        // The default password is public and must be changed at the first login: a slow hash would
        // protect nothing and only delay the server's start.
        let hash = await PasswordHasher.hash(Self.defaultPassword, cost: 4)
        let now = Timestamp.now.millis
        _ = try await store.run { s in
            try UserStore(db: s.db).add(username: Self.defaultUser, fullName: "Administrator", isAdmin: true, passwordHash: hash,
                                        mustChange: true, now: now)
        }
        logger.notice("web UI: default administrator created; its password must be changed at the first login",
                      metadata: ["user": "\(Self.defaultUser)"])
    }
}
