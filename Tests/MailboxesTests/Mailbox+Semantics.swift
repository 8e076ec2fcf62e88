import Foundation
import Mailboxes
import Synchronization
import Testing

/// Runs a blocking consumer on a thread of its own (a blocked cooperative thread would stall the tests).
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> Task<T, Never> {
    Task {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }
}

/// Order, draining, closing and waiting: what the control workers rely on.
@Suite("Mailbox: semantics")
struct MailboxSemanticsTests {
    @Test func takeAllMovesEverythingInPostedOrderAndEmptiesTheBuffer() {
        let mailbox = Mailbox<Int>()
        mailbox.post(1)
        mailbox.post(contentsOf: [2, 3])
        mailbox.post(contentsOf: [])
        var buffer = [99]
        mailbox.takeAll(into: &buffer, timeout: .zero)
        #expect(buffer == [1, 2, 3])
        mailbox.takeAll(into: &buffer, timeout: .zero)
        #expect(buffer.isEmpty)
    }

    /// An empty mailbox waits out the timeout (roughly; never much less) and returns nothing.
    @Test func anEmptyMailboxWaitsForTheTimeout() {
        let mailbox = Mailbox<Int>()
        var buffer: [Int] = []
        let clock = ContinuousClock()
        let elapsed = clock.measure { mailbox.takeAll(into: &buffer, timeout: .milliseconds(50)) }
        #expect(buffer.isEmpty)
        #expect(elapsed >= .milliseconds(45))
    }

    /// A post wakes a waiting consumer long before its timeout (the consumer has most likely begun
    /// waiting when the post comes; if not, it takes the element at once).
    @Test func aPostWakesTheWaitingConsumer() async throws {
        let mailbox = Mailbox<String>()
        let clock = ContinuousClock()
        let started = clock.now
        let taken = onThread {
            var buffer: [String] = []
            mailbox.takeAll(into: &buffer, timeout: .seconds(30))
            return buffer
        }
        try await Task.sleep(for: .milliseconds(20))
        mailbox.post("wake")
        #expect(await taken.value == ["wake"])
        #expect(clock.now - started < .seconds(10))
    }

    /// Closing ends a wait at once; elements posted before or after the close are still taken.
    @Test func closeEndsTheWaitAndLeavesElementsToDrain() async {
        let mailbox = Mailbox<Int>()
        #expect(!mailbox.isClosed)
        let clock = ContinuousClock()
        let started = clock.now
        let taken = onThread {
            var buffer: [Int] = []
            mailbox.takeAll(into: &buffer, timeout: .seconds(30))
            return buffer
        }
        mailbox.close()
        #expect(await taken.value.isEmpty)
        #expect(clock.now - started < .seconds(10))
        #expect(mailbox.isClosed)
        mailbox.post(7)
        var buffer: [Int] = []
        mailbox.takeAll(into: &buffer, timeout: .seconds(30))
        #expect(buffer == [7])
        let elapsed = clock.measure { mailbox.takeAll(into: &buffer, timeout: .seconds(30)) }
        #expect(buffer.isEmpty)
        #expect(elapsed < .seconds(10))
    }

    /// Several producers on their own threads, one consumer: every element arrives once, and each
    /// producer's elements in the order it posted them.
    @Test func severalProducersLoseNothingAndKeepTheirOrder() async {
        let mailbox = Mailbox<(producer: Int, sequence: Int)>()
        let producers = 4
        let perProducer = 5_000
        let consumer = onThread {
            var received: [[Int]] = Array(repeating: [], count: producers)
            var buffer: [(producer: Int, sequence: Int)] = []
            var count = 0
            let deadline = ContinuousClock.now + .seconds(60)
            while count < producers * perProducer, ContinuousClock.now < deadline {
                mailbox.takeAll(into: &buffer, timeout: .milliseconds(100))
                for element in buffer { received[element.producer].append(element.sequence) }
                count += buffer.count
            }
            return received
        }
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for sequence in 0..<perProducer { mailbox.post((producer, sequence)) }
                }
            }
        }
        let received = await consumer.value
        for producer in 0..<producers {
            #expect(received[producer] == Array(0..<perProducer), "producer \(producer)")
        }
    }
}
