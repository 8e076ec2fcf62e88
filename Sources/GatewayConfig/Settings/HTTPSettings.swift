/// The metrics/health endpoint (`http:` in the YAML).
public struct HTTPSettings: Sendable, Equatable {
    /// `host:port` for GET /metrics and GET /healthz; empty disables the server.
    public var listen: String

    public init(listen: String = "127.0.0.1:9108") {
        self.listen = listen
    }

    /// The parsed `listen`, nil when the server is disabled.
    public func listenAddress() throws(ConfigurationError) -> ListenAddress? {
        if listen.isEmpty { return nil }
        switch ListenAddress.parse(listen) {
        case .success(let address): return address
        case .failure(let error): throw error
        }
    }
}

/// A host and TCP port to bind.
public struct ListenAddress: Sendable, Equatable {
    /// An IP address or name; `0.0.0.0` when the text omitted it (`:9108`). IPv6 without brackets.
    public var host: String
    /// 0 asks the kernel for a free port.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    static func parse(_ text: String, key: String = "http.listen") -> Result<ListenAddress, ConfigurationError> {
        func bad(_ why: String) -> Result<ListenAddress, ConfigurationError> {
            .failure(ConfigurationError(ConfigurationProblem(
                code: .notAllowed, key: key,
                message: "\"\(text)\" \(why); use host:port such as 127.0.0.1:9108, or \"\" to disable")))
        }
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return bad("has no closing ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return bad("has no port") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return bad("has no port") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return bad("has an IPv6 host without brackets") }
        }
        if host.isEmpty { host = "0.0.0.0" }
        if host.contains(where: { $0 == " " || $0 == "/" }) { return bad("has an invalid host") }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
              let port = Int(portText), (0...65535).contains(port) else {
            return bad("has an invalid port (0...65535)")
        }
        return .success(ListenAddress(host: String(host), port: port))
    }
}
