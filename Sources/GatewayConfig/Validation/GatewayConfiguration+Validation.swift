/// Semantic checks: ranges, allowed values, URLs and cross-key rules, as declared in
/// ``GatewayConfiguration/keys``. Types were checked while reading.
extension GatewayConfiguration {
    /// Every problem of this configuration (empty when valid), keyed by YAML path, in table order.
    ///
    /// `parse` and `load` call this; call it yourself for a configuration built in code.
    public func validate() -> [ConfigurationProblem] {
        Self.keys.flatMap { $0.check(self) }
    }
}
