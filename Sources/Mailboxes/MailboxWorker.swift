/// A mailbox's one consumer: runs synchronously on the thread it is given until the mailbox is
/// closed.
///
/// The services that feed on control messages (presence, commands, alerts) are workers; the
/// daemon gives each a thread of its own and closes its mailbox at shutdown.
public protocol MailboxWorker: Sendable {
    associatedtype Input: Sendable

    /// Takes inputs from `inbox` and acts on them; returns once `inbox` is closed and what it
    /// held is handled (or, when that is impossible, reported as lost).
    func run(taking inbox: Mailbox<Input>)
}
