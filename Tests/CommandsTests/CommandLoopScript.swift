import Commands
import Foundation
import WallTime

/// Drives a `CommandLoopMachine` the way the gateway's driver does, with a hand-held clock and
/// scripted outcomes, and records the actions (no I/O, no sleeping).
struct CommandLoopScript {
    typealias Action = CommandLoopMachine<WallInstant>.Action

    static let t0 = WallInstant(seconds: 1_700_000_000)

    var machine: CommandLoopMachine<WallInstant>
    var now = t0
    /// The dispatcher's earliest timer, reported after every action.
    var timerDeadline: WallInstant?
    /// The failure message for an action, or nil when it succeeds.
    var failure: (Action) -> String? = { _ in nil }
    /// How many commands a claim page publishes.
    var sends: (CommandStore.OnlineDevices) -> Int = { _ in 0 }

    /// A machine started at `t0`, connected (first cycle done) unless told otherwise; the poll is
    /// an hour unless a test is about it.
    init(connected: Bool = true, poll: Duration = .seconds(3600)) {
        machine = CommandLoopMachine(pollInterval: poll, now: Self.t0)
        _ = machine.start(now: Self.t0)
        if connected { _ = cycle() }
    }

    /// Hands `inputs` to the machine and performs every action until it waits or stops; returns them all, the wait included.
    @discardableResult
    mutating func cycle(_ inputs: [CommandInput] = [], closed: Bool = false, broker: Bool = true) -> [Action] {
        var action = machine.took(inputs, closed: closed, brokerConnected: broker, now: now)
        var actions: [Action] = []
        while true {
            actions.append(action)
            switch action {
            case .wait, .stop, .abandon:
                return actions
            case .claim(let online, _):
                if let message = failure(action) {
                    action = machine.failed(message, now: now)
                } else {
                    action = machine.claimed(sends: sends(online), now: now, timerDeadline: timerDeadline)
                }
            case .drop, .backOff:
                action = machine.done(now: now, timerDeadline: timerDeadline)
            default:
                if let message = failure(action) {
                    action = machine.failed(message, now: now)
                } else {
                    action = machine.done(now: now, timerDeadline: timerDeadline)
                }
            }
            precondition(actions.count < 1_000, "the machine does not settle")
        }
    }

    /// The actions of a cycle without its final wait.
    @discardableResult
    mutating func work(_ inputs: [CommandInput] = [], closed: Bool = false, broker: Bool = true) -> [Action] {
        let actions = cycle(inputs, closed: closed, broker: broker)
        if case .wait = actions.last { return Array(actions.dropLast()) }
        return actions
    }
}

let deviceA = UUID(uuidString: "00000000-0000-0000-0000-00000000000a")!
let deviceB = UUID(uuidString: "00000000-0000-0000-0000-00000000000b")!
let commandX = UUID(uuidString: "00000000-0000-0000-0000-0000000000c1")!
let commandY = UUID(uuidString: "00000000-0000-0000-0000-0000000000c2")!

func ack(_ command: UUID) -> CommandInput { .device(.acknowledged(commandID: command, deviceID: nil)) }
func online(_ devices: UUID...) -> CommandInput { .presenceChanged(devices.map { DevicePresenceChange(deviceID: $0, online: true) }) }
func offline(_ devices: UUID...) -> CommandInput { .presenceChanged(devices.map { DevicePresenceChange(deviceID: $0, online: false) }) }
let operatorCommand = CommandInput.operatorCommand(operatorKey: "op", payload: Array("{}".utf8))
let claimAll = CommandLoopMachine<WallInstant>.Action.claim(.databaseStatus, limit: 100)
func claimFor(_ devices: UUID...) -> CommandLoopMachine<WallInstant>.Action { .claim(.only(Set(devices)), limit: 100) }
