@testable import MashBench
import Testing

@Suite("ChaosLedger: only what the broker acknowledged counts")
struct ChaosLedgerAcknowledgementsTests {
    struct Refused: Error {}

    @Test("readings count as acknowledged on their message's PUBACK, not before")
    func acknowledgement() {
        let ledger = ChaosLedger()
        let readings = [ChaosReading(device: 1, sensor: 0, millis: 5), ChaosReading(device: 1, sensor: 1, millis: 5)]
        ledger.publish(readings) { 17 }
        #expect(ledger.publishedCount == 2)
        #expect(ledger.acknowledgedCount == 0)
        #expect(ledger.unacknowledgedCount == 2)
        ledger.acknowledged(messageID: 99)
        #expect(ledger.acknowledgedCount == 0, "a PUBACK for an id the ledger did not send changes nothing")
        ledger.acknowledged(messageID: 17)
        #expect(ledger.acknowledgedReadings == readings)
        #expect(ledger.unacknowledgedCount == 0)
        ledger.acknowledged(messageID: 17)
        #expect(ledger.acknowledgedCount == 2, "a repeated PUBACK does not count twice")
    }

    @Test("a publish the client refuses is neither published nor pending")
    func refused() {
        let ledger = ChaosLedger()
        #expect(throws: Refused.self) { try ledger.publish([ChaosReading(device: 0, sensor: 0, millis: 1)]) { throw Refused() } }
        #expect(ledger.publishedCount == 0)
        #expect(ledger.unacknowledgedCount == 0)
    }

    @Test("a delivery seen before the insert is recorded keeps its count")
    func deliveryBeforeInsert() {
        let ledger = ChaosLedger()
        ledger.commandDelivered(id: "c1", attempt: 1)
        ledger.commandInserted(id: "c1", device: 3, expectedStatus: "completed")
        ledger.commandDelivered(id: "c1", attempt: 2)
        let record = ledger.commands["c1"]
        #expect(record?.device == 3)
        #expect(record?.expectedStatus == "completed")
        #expect(record?.deliveries == 2)
        #expect(record?.attempts == [1, 2])
    }

    @Test("the attempt number is read from the command payload")
    func attempt() {
        #expect(ChaosFleet.attempt(in: #"{"id":"x","type":"reboot","data":{},"attempt":3,"timeout_s":10}"#) == 3)
        #expect(ChaosFleet.attempt(in: "{}") == 0)
    }
}
