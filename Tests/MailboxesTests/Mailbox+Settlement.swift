import Mailboxes
import Testing

/// The counts the ingest path compares to release a control message only behind its effect.
@Suite("Mailbox: posted and settled counts")
struct MailboxSettlementTests {
    @Test func postedCountsEveryElementAndSettledOnlyMovesForward() {
        let mailbox = Mailbox<Int>()
        #expect(mailbox.posted == 0 && mailbox.settled == 0)
        mailbox.post(1)
        mailbox.post(contentsOf: [2, 3])
        mailbox.post(contentsOf: [])
        #expect(mailbox.posted == 3)
        var buffer: [Int] = []
        mailbox.takeAll(into: &buffer, timeout: .zero)
        #expect(mailbox.posted == 3, "taking does not settle")
        #expect(mailbox.settled == 0)
        mailbox.settle(through: 2)
        #expect(mailbox.settled == 2)
        mailbox.settle(through: 1)
        #expect(mailbox.settled == 2, "a smaller count never moves it back")
        mailbox.settle(through: 3)
        #expect(mailbox.settled == 3)
    }
}
