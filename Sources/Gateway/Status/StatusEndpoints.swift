/// What the status server answers, decided without any I/O: method and path in, status and body out.
///
/// `GET` and `HEAD` are served on `/metrics`, `/healthz` and `/readyz` (HEAD: the same status and
/// headers, no body); any other method on those paths is 405 with an `Allow` header; any other
/// path is 404 naming the ones that exist. The query string is ignored.
public struct StatusEndpoints: Sendable {
    /// `/healthz`: the reasons the gateway is unhealthy, one line each; empty when healthy.
    public typealias Health = @Sendable () -> [String]
    /// `/readyz`: nil once start-up is complete, else what it is still waiting for.
    public typealias ReadyCheck = @Sendable () -> String?
    /// `/metrics`: the Prometheus text exposition.
    public typealias Metrics = @Sendable () -> [UInt8]

    public struct Answer: Sendable, Equatable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]
        /// Set on 405: the methods the path does take.
        public var allow: String?
    }

    public static let paths = ["/metrics", "/healthz", "/readyz"]
    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    private let health: Health
    private let readiness: ReadyCheck
    private let metrics: Metrics

    public init(health: @escaping Health, readiness: @escaping ReadyCheck, metrics: @escaping Metrics) {
        self.health = health
        self.readiness = readiness
        self.metrics = metrics
    }

    /// The answer to `method target` (target may carry a query string). HEAD gets GET's answer;
    /// the server sends its headers without the body.
    public func answer(method: String, target: String) -> Answer {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard Self.paths.contains(path) else {
            return .text(404, "not found: \(path); try \(Self.paths.joined(separator: ", "))\n")
        }
        guard method == "GET" || method == "HEAD" else {
            var answer = Answer.text(405, "method \(method) not allowed on \(path): use GET or HEAD\n")
            answer.allow = "GET, HEAD"
            return answer
        }
        switch path {
        case "/metrics":
            return Answer(status: 200, contentType: Self.prometheusContentType, body: metrics())
        case "/healthz":
            let problems = health()
            return problems.isEmpty ? .text(200, "ok\n") : .text(503, problems.joined(separator: "\n") + "\n")
        default:
            return readiness().map { .text(503, "not ready: \($0)\n") } ?? .text(200, "ready\n")
        }
    }
}

extension StatusEndpoints.Answer {
    static func text(_ status: Int, _ body: String) -> Self {
        Self(status: status, contentType: "text/plain; charset=utf-8", body: Array(body.utf8))
    }
}
