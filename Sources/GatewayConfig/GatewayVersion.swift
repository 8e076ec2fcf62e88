/// The one place the release version lives: `mash-gateway --version`, the `build_info` metric and
/// the Debian package's version all read it, so they cannot disagree.
public enum GatewayVersion {
    public static let current = "0.3.0"
}
