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
    /// waiting when the post comes; if not, it takes the element at once). Timed inside the consumer's
    /// own thread, so a busy test runner cannot make it look slow.
    @Test func aPostWakesTheWaitingConsumer() {
        let mailbox = Mailbox<String>()
        let (taken, waited) = takeOnThread(mailbox, timeout: .seconds(30)) { mailbox.post("wake") }
        #expect(taken == ["wake"])
        #expect(waited < .seconds(10))
    }

    /// Closing ends a wait at once; elements posted before or after the close are still taken.
    @Test func closeEndsTheWaitAndLeavesElementsToDrain() {
        let mailbox = Mailbox<Int>()
        #expect(!mailbox.isClosed)
        let (taken, waited) = takeOnThread(mailbox, timeout: .seconds(30)) { mailbox.close() }
        #expect(taken.isEmpty)
        #expect(waited < .seconds(10))
        #expect(mailbox.isClosed)
        mailbox.post(7)
        var buffer: [Int] = []
        mailbox.takeAll(into: &buffer, timeout: .seconds(30))
        #expect(buffer == [7])
        let elapsed = ContinuousClock().measure { mailbox.takeAll(into: &buffer, timeout: .seconds(30)) }
        #expect(buffer.isEmpty)
        #expect(elapsed < .seconds(10))
    }

    /// Runs one `takeAll` on a thread of its own, calls `then` once that thread is about to wait, and
    /// returns what it took and how long the call took (measured on that thread).
    private func takeOnThread<T: Sendable>(
        _ mailbox: Mailbox<T>, timeout: Duration, then: () -> Void
    ) -> (taken: [T], waited: Duration) {
        let waiting = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let result = Mutex<(taken: [T], waited: Duration)>(([], .zero))
        Thread {
            var buffer: [T] = []
            waiting.signal()
            let waited = ContinuousClock().measure { mailbox.takeAll(into: &buffer, timeout: timeout) }
            result.withLock { [buffer] in $0 = (buffer, waited) }
            finished.signal()
        }.start()
        waiting.wait()
        then()
        finished.wait()
        return result.withLock { $0 }
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
