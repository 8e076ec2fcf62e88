import Gateway
import Testing

@Suite("StatusEndpoints: methods, paths and bodies")
struct StatusEndpointsRoutingTests {
    static func endpoints(problems: [String] = [], waitingFor: String? = nil) -> StatusEndpoints {
        StatusEndpoints(health: { problems }, readiness: { waitingFor }, metrics: { Array("mash_x 1\n".utf8) })
    }

    @Test func metricsAreServedAsPrometheusText() {
        let answer = Self.endpoints().answer(method: "GET", target: "/metrics?name[]=x")
        #expect(answer.status == 200)
        #expect(answer.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(answer.body == Array("mash_x 1\n".utf8))
    }

    @Test func headGetsTheSameAnswerAsGet() {
        let endpoints = Self.endpoints(problems: ["mqtt: down"])
        #expect(endpoints.answer(method: "HEAD", target: "/healthz") == endpoints.answer(method: "GET", target: "/healthz"))
    }

    @Test func healthIs503WithOneReasonPerLine() {
        let answer = Self.endpoints(problems: ["database: away", "mqtt: down"]).answer(method: "GET", target: "/healthz")
        #expect(answer.status == 503)
        #expect(String(decoding: answer.body, as: UTF8.self) == "database: away\nmqtt: down\n")
        #expect(Self.endpoints().answer(method: "GET", target: "/healthz").status == 200)
    }

    @Test func readinessSaysWhatItWaitsFor() {
        let waiting = Self.endpoints(waitingFor: "the ingest path is starting").answer(method: "GET", target: "/readyz")
        #expect(waiting.status == 503)
        #expect(String(decoding: waiting.body, as: UTF8.self) == "not ready: the ingest path is starting\n")
        #expect(Self.endpoints().answer(method: "GET", target: "/readyz").status == 200)
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    func otherMethodsAre405WithAllow(method: String) {
        let answer = Self.endpoints().answer(method: method, target: "/metrics")
        #expect(answer.status == 405)
        #expect(answer.allow == "GET, HEAD")
    }

    @Test(arguments: ["/", "/metrics/", "/health", "/METRICS", ""])
    func unknownPathsAre404NamingTheEndpoints(path: String) {
        let answer = Self.endpoints().answer(method: "GET", target: path)
        #expect(answer.status == 404)
        #expect(String(decoding: answer.body, as: UTF8.self).contains("/metrics, /healthz, /readyz"))
    }
}
