/// How long ago something happened, as a person reads it: "3 s ago", "12 min ago", "5 h ago", "2 d ago".
///
/// Whole units, rounded down, the largest unit that is at least 1; a time in the future (clocks of
/// two hosts disagree) reads "in the future" rather than a negative age.
public enum AgeText {
    public static func format(micros: Int64) -> String {
        guard micros >= 0 else { return "in the future" }
        let seconds = micros / 1_000_000
        switch seconds {
        case ..<120: return "\(seconds) s ago"
        case ..<7200: return "\(seconds / 60) min ago"
        case ..<172_800: return "\(seconds / 3600) h ago"
        default: return "\(seconds / 86_400) d ago"
        }
    }
}
