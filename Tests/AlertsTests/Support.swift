import Alerts
import GatewayConfig

/// Seconds as the machine's microseconds.
func s(_ seconds: Double) -> Int64 { Int64(seconds * 1_000_000) }

/// A machine for `rule` escalating every `escalateAfter` seconds up to `maxLevel`.
func machine(_ rule: AlertRule, escalateAfter: Double = 900, maxLevel: Int = 3) -> ThresholdRuleMachine {
    ThresholdRuleMachine(rule: rule, escalation: .init(afterMicros: s(escalateAfter), maxLevel: maxLevel))
}

func hot(forSeconds: Double = 0, hysteresis: Double = 2, autoResolve: Bool = true) throws -> AlertRule {
    try AlertRule(name: "hot", sensor: "temperature", above: 80, hysteresis: hysteresis, forSeconds: forSeconds,
                  severity: .high, autoResolve: autoResolve)
}
