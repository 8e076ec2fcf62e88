import GatewayConfig
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// HTTP/1.1 for `/metrics`, `/healthz` and `/readyz` on Hummingbird, as a service of the gateway.
///
/// Hummingbird (SwiftNIO) reads every request whole before answering and keeps connections
/// alive, so a scraper that sends a few KB of headers and reuses its connection gets every
/// response without a reset. Bounds: at most 64 KiB of request headers (larger is 431 and the
/// connection closes), 64 connections at once, and an idle connection is closed after 60 s.
/// On graceful shutdown the server stops accepting, finishes the requests in flight and returns.
public final class StatusServer: Service, Sendable {
    public static let maxHeaderBytes = 64 * 1024
    public static let maxConnections = 64
    public static let idleTimeout = TimeAmount.seconds(60)

    private let address: ListenAddress
    private let endpoints: StatusEndpoints
    private let logger: Logger

    public init(address: ListenAddress, endpoints: StatusEndpoints, logger: Logger) {
        self.address = address
        self.endpoints = endpoints
        self.logger = logger
    }

    /// Serves until graceful shutdown; throws `StatusServerError` (naming `http.listen`) when the
    /// address cannot be bound.
    public func run() async throws {
        let logger = self.logger
        let address = self.address
        let server = HTTPServerBuilder.http1(configuration: .init(
            idleTimeout: Self.idleTimeout,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: Self.maxHeaderBytes, maxHeaderListSize: Self.maxHeaderBytes, maxHeaderFieldCount: 200)))
        var quiet = logger
        // Hummingbird logs every request at debug and its own start at info; the gateway logs its own line.
        quiet.logLevel = max(logger.logLevel, .notice)
        let application = Application(
            responder: StatusResponder(endpoints: endpoints),
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(address.host.isEmpty ? "0.0.0.0" : address.host, port: address.port),
                serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(Self.maxConnections)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                logger.info("status server listening", metadata: ["address": "\(address.host):\(port)"])
            },
            logger: quiet
        )
        do {
            try await application.run()
        } catch let error as IOError {
            throw StatusServerError(
                "http.listen: cannot listen on \(address.host):\(address.port): \(error.description); "
                    + "choose another port or set http.listen: \"\"")
        }
    }
}

/// Hands each request to `StatusEndpoints` and turns its answer into a response.
struct StatusResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let endpoints: StatusEndpoints

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let answer = endpoints.answer(method: request.method.rawValue, target: request.uri.string)
        var headers: HTTPFields = [.contentType: answer.contentType]
        if let allow = answer.allow { headers[.allow] = allow }
        let response = Response(
            status: HTTPResponse.Status(code: answer.status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
        return request.method == .head ? response.createHeadResponse() : response
    }
}

public struct StatusServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
