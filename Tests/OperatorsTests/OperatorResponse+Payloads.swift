import Foundation
import Operators
import Testing

/// The exact bytes on `operators/{operator}/responses` (CONTRACT §3).
@Suite("OperatorResponse: topics and payloads")
struct OperatorResponseTests {
    @Test func topic() {
        #expect(OperatorResponse.topic(operatorKey: "ops@example.com") == "operators/ops@example.com/responses")
    }

    @Test func commandResponses() {
        let id = UUID(uuidString: "8A1E4C2B-0000-4000-8000-000000000001")!
        #expect(OperatorResponse.command(requestID: "r-1", commandID: id, device: "SN-1", status: "pending", error: nil)
                == #"{"request_id":"r-1","command_id":"8a1e4c2b-0000-4000-8000-000000000001","device":"SN-1","status":"pending","error":null}"#)
        #expect(OperatorResponse.command(requestID: nil, commandID: nil, device: nil, status: "rejected", error: "payload is not a JSON object")
                == #"{"request_id":null,"command_id":null,"device":null,"status":"rejected","error":"payload is not a JSON object"}"#)
        #expect(OperatorResponse.command(requestID: "q\"\n", commandID: id, device: "SN-1", status: "sent", error: nil, attempt: 2)
                == #"{"request_id":"q\"\n","command_id":"8a1e4c2b-0000-4000-8000-000000000001","device":"SN-1","status":"sent","error":null,"attempt":2}"#)
        #expect(OperatorResponse.command(requestID: nil, commandID: id, device: "SN-1", status: "completed", error: nil, resultDataJSON: #"{"v":1}"#)
                .hasSuffix(#""status":"completed","error":null,"data":{"v":1}}"#))
    }

    @Test func alertActionResponses() {
        #expect(OperatorResponse.alertAction(alertID: "a-1", action: "ack", device: "SN-1", status: "acknowledged", error: nil)
                == #"{"action":"ack","alert_id":"a-1","command_id":null,"device":"SN-1","error":null,"request_id":null,"status":"acknowledged"}"#)
        #expect(OperatorResponse.alertAction(alertID: "x", action: "resolve", device: nil, status: "rejected", error: "unknown alert")
                == #"{"action":"resolve","alert_id":"x","command_id":null,"device":null,"error":"unknown alert","request_id":null,"status":"rejected"}"#)
    }

    @Test func auditExtraIsSortedAndEscaped() {
        let row = AuditRow(userID: nil, entityType: "alert", entityID: UUID(), action: "alert.resolve",
                           extra: ["reason": "say \"no\"", "operator": "op"], atMicros: 0)
        #expect(row.extraJSON == #"{"operator":"op","reason":"say \"no\""}"#)
        #expect(AuditRow(userID: nil, entityType: "alert", entityID: UUID(), action: "a", atMicros: 0).extraJSON == "{}")
    }
}
