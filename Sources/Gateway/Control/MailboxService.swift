import Mailboxes
import ServiceLifecycle

/// Runs one mailbox worker (presence, commands, alerts) as a service: waits for `gate`, then runs
/// the worker on a thread of its own until graceful shutdown (or cancellation) closes the
/// mailbox; the worker drains what is left and returns. A shutdown before the gate opens closes
/// the mailbox and returns at once.
final class MailboxService<Worker: MailboxWorker>: Service, Sendable {
    private let thread: String
    private let gate: Readiness
    private let inbox: Mailbox<Worker.Input>
    private let worker: Worker

    init(thread: String, after gate: Readiness, inbox: Mailbox<Worker.Input>, worker: Worker) {
        self.thread = thread
        self.gate = gate
        self.inbox = inbox
        self.worker = worker
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { [gate] in try await gate.wait() }
        } catch is CancellationError {
            inbox.close()
            return
        }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await onDedicatedThread(thread) { [worker, inbox] in worker.run(taking: inbox) }
            } onGracefulShutdown: { [inbox] in
                inbox.close()
            }
        } onCancel: { [inbox] in
            inbox.close()
        }
    }
}
