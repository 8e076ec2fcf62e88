import Foundation
import Testing
import TestSupport

/// The Debian package from `.ci/package`, installed into a fresh root with dpkg as an operator would:
/// the account and folders exist, the installed binary runs (also as that account, against real
/// services), the installed config passes `check-config`, the units verify clean, and an upgrade keeps
/// an edited `gateway.yaml`.
///
/// `.ci/run` builds the package before the tests and sets MASH_REQUIRE_PACKAGE=1, so in CI these run
/// (and fail without a package); elsewhere they run when `dist/` holds the package for this version.
@Suite("Debian package", .timeLimit(.minutes(4)), .enabled(if: DebianPackage.available, DebianPackage.skipNote))
struct DebianPackageTests {
    static let analyze = "/usr/bin/systemd-analyze"

    @Test("the binary carries the Swift runtime: no libswift*, libFoundation* or other toolchain library is needed")
    func swiftRuntimeIsStatic() throws {
        let extracted = try Harness.makeDirectory("deb-extract")
        let unpack = try runCommand("/usr/bin/dpkg-deb", ["-x", try DebianPackage.path(), extracted])
        #expect(unpack.status == 0, "\(unpack.output)")
        let binary = "\(extracted)/usr/bin/mash-gateway"
        let dynamic = try runCommand("/usr/bin/readelf", ["-d", binary])
        #expect(dynamic.status == 0, "\(dynamic.output)")
        let needed = dynamic.output.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(needed.contains { $0.contains("libpq.so.5") } && needed.contains { $0.contains("libmosquitto.so.1") }, "\(needed)")
        for toolchainLibrary in ["libswift", "libFoundation", "lib_Foundation", "libdispatch", "libBlocksRuntime", "libicu"] {
            #expect(!needed.contains { $0.contains(toolchainLibrary) }, "\(toolchainLibrary) needed: \(needed)")
        }
        let resolved = try runCommand("/usr/bin/ldd", [binary])
        #expect(resolved.status == 0 && !resolved.output.contains("not found"), "\(resolved.output)")
        #expect(!resolved.output.contains("swift"), "\(resolved.output)")
        // Every package the control file depends on is a Debian 12 package (installed here).
        let depends = try runCommand("/usr/bin/dpkg-deb", ["-f", try DebianPackage.path(), "Depends"]).output
        for name in ["libmosquitto1", "libpq5", "libssl3"] { #expect(depends.contains(name), "\(depends)") }
        for clause in depends.split(separator: ",") {
            let name = String(clause.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")[0])
            let status = try runCommand("/usr/bin/dpkg-query", ["-W", "-f", "${Status}", name])
            #expect(status.output.contains("install ok installed"), "\(name): \(status.output)")
        }
    }

    @Test("dpkg -i into a fresh root: account, folders, --version, check-config, systemd-analyze verify, a run as the account")
    func installsIntoAFreshRoot() async throws {
        let root = try DebianPackage.freshRoot()
        let install = try DebianPackage.dpkg(root: root, ["-i", try DebianPackage.path()])
        #expect(install.status == 0, "\(install.output)")

        let passwd = try String(contentsOfFile: "\(root)/etc/passwd", encoding: .utf8)
        let account = try #require(passwd.split(separator: "\n").first { $0.hasPrefix("mash-gateway:") }, "\(passwd)")
        let fields = account.split(separator: ":", omittingEmptySubsequences: false)
        let uid = try #require(UInt32(fields[2]))
        let gid = try #require(UInt32(fields[3]))
        #expect(fields[5] == "/var/lib/mash-gateway")
        for (folder, mode) in [("/var/lib/mash-gateway", 0o700), ("/var/lib/mash-gateway/spool", 0o700), ("/var/backups/mash-gateway", 0o750)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: root + folder)
            #expect((attributes[.ownerAccountID] as? NSNumber)?.uint32Value == uid, "\(folder) owner")
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == mode, "\(folder) mode")
        }
        let conffiles = try DebianPackage.dpkgQuery(root: root, "${Conffiles}")
        #expect(conffiles.contains("/etc/mash-gateway/gateway.yaml"), "\(conffiles)")
        #expect(FileManager.default.isExecutableFile(atPath: "\(root)/usr/lib/mash-gateway/mash-backup"))

        let binary = "\(root)/usr/bin/mash-gateway"
        let version = try runCommand(binary, ["--version"])
        #expect(version.status == 0)
        #expect(version.output == "mash-gateway \(DebianPackage.version)\n")
        let check = try runCommand(binary, ["check-config", "--config", "\(root)/etc/mash-gateway/gateway.yaml"])
        #expect(check.status == 0, "\(check.output)")

        if FileManager.default.isExecutableFile(atPath: Self.analyze) {
            // The fresh root gets the base system's own units (what Debian's systemd package installs), so
            // verify can resolve sysinit.target & co; ExecStart= paths are checked inside the root.
            try DebianPackage.addBaseSystemUnits(to: root)
            let verify = try runCommand(Self.analyze, ["verify", "--root=\(root)", "mash-gateway.service", "mash-gateway-backup.service", "mash-gateway-backup.timer"])
            #expect(verify.status == 0)
            #expect(verify.output.isEmpty, "\(verify.output)")
        }

        // The installed binary, as the created account, against a real broker and database, spooling in the installed state folder.
        let broker = try await TestBroker.start()
        let database = try await TestPostgres.shared().migratedDatabase()
        let folder = try Harness.makeDirectory("installed-run")
        _ = try runCommand("/bin/chown", ["-R", "\(uid):\(gid)", folder])
        let config = "\(folder)/gateway.yaml"
        try testGatewayConfig(mqttURL: broker.url, databaseURL: database, spoolDirectory: "\(root)/var/lib/mash-gateway/spool")
            .write(toFile: config, atomically: true, encoding: .utf8)
        _ = try runCommand("/bin/chown", ["\(uid):\(gid)", config])
        let gateway = try ChildProcess(
            "/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--", binary, "run", "--config", config],
            logPath: "\(folder)/gateway.log")
        try await waitUntil("the installed gateway, as uid \(uid), ready; log:\n\(gateway.output())", timeout: .seconds(60)) {
            if !gateway.isRunning { throw TestSupportError("the installed gateway exited: \(gateway.output())") }
            return gateway.output().contains("ingest ready")
        }
        gateway.signal(SIGTERM)
        #expect(await gateway.waitForExit(timeout: .seconds(60)) == 0, "\(gateway.output())")
        let ring = try FileManager.default.attributesOfItem(atPath: "\(root)/var/lib/mash-gateway/spool/ring.mmap")
        #expect((ring[.ownerAccountID] as? NSNumber)?.uint32Value == uid, "the ring file belongs to the account")

        // The timer's backup, as the account, into the folder the package made for it.
        let backups = "\(root)/var/backups/mash-gateway"
        let backup = try runCommand(
            "/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--", "/bin/sh", "\(root)/usr/lib/mash-gateway/mash-backup"],
            environment: [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "MASH_GATEWAY": binary,
                "MASH_DATABASE_URL": database, "BACKUP_DIR": backups, "BACKUP_KEEP": "3",
            ])
        #expect(backup.status == 0, "\(backup.output)")
        let dumps = try FileManager.default.contentsOfDirectory(atPath: backups).filter { $0.hasSuffix(".dump") }
        #expect(dumps.count == 1, "\(dumps)")
        let dump = try FileManager.default.attributesOfItem(atPath: "\(backups)/\(dumps[0])")
        #expect((dump[.ownerAccountID] as? NSNumber)?.uint32Value == uid, "the dump belongs to the account")
    }

    @Test("upgrading over an older package keeps an edited gateway.yaml, even when the packaged one changed")
    func upgradeKeepsEditedConfiguration() throws {
        let older = try DebianPackage.olderPackage()
        let root = try DebianPackage.freshRoot()
        let first = try DebianPackage.dpkg(root: root, ["-i", older])
        #expect(first.status == 0, "\(first.output)")
        #expect(try DebianPackage.dpkgQuery(root: root, "${Version}") == "\(DebianPackage.version)~older")
        let configPath = "\(root)/etc/mash-gateway/gateway.yaml"
        let edited = try String(contentsOfFile: configPath, encoding: .utf8)
            .replacingOccurrences(of: "  level: info", with: "  level: debug") + "# edited by the operator\n"
        try edited.write(toFile: configPath, atomically: true, encoding: .utf8)

        let upgrade = try DebianPackage.dpkg(root: root, ["--force-confdef", "--force-confold", "-i", try DebianPackage.path()])
        #expect(upgrade.status == 0, "\(upgrade.output)")
        #expect(try DebianPackage.dpkgQuery(root: root, "${Version}") == DebianPackage.version)
        #expect(try String(contentsOfFile: configPath, encoding: .utf8) == edited)
        // dpkg leaves the new packaged file beside it for the operator to compare.
        #expect(FileManager.default.fileExists(atPath: configPath + ".dpkg-dist"))
        let check = try runCommand("\(root)/usr/bin/mash-gateway", ["check-config", "--config", configPath])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("level: debug"), "\(check.output)")
    }
}

/// Finding, installing and taking apart the package under test.
enum DebianPackage {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// GatewayVersion.current, read the way `.ci/package` reads it.
    static let version: String = {
        let text = (try? String(contentsOfFile: "\(repository)/Sources/GatewayConfig/GatewayVersion.swift", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.contains("static let current") } ?? ""
        return line.split(separator: "\"").dropFirst().first.map(String.init) ?? "unknown"
    }()

    static let architecture: String = {
        (try? runCommand("/usr/bin/dpkg", ["--print-architecture"]).output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "amd64"
    }()

    static var expectedPath: String { "\(repository)/dist/mash-gateway_\(version)_\(architecture).deb" }

    static var required: Bool { ProcessInfo.processInfo.environment["MASH_REQUIRE_PACKAGE"] == "1" }

    /// Run when the package exists, and always in CI (where a missing package is then a failure).
    static var available: Bool { required || FileManager.default.fileExists(atPath: expectedPath) }

    static let skipNote: Comment = "no dist/mash-gateway_<version>_<arch>.deb: run .ci/package first (.ci/run does, and sets MASH_REQUIRE_PACKAGE=1)"

    static func path() throws -> String {
        guard FileManager.default.fileExists(atPath: expectedPath) else {
            throw TestSupportError("\(expectedPath) is missing: run .ci/package (as .ci/run does) before the tests")
        }
        return expectedPath
    }

    /// An empty root with an initialised dpkg database, as on a machine that never had the package.
    static func freshRoot() throws -> String {
        let root = try Harness.makeDirectory("deb-root")
        _ = try runCommand("/bin/chown", ["root:root", root])
        for folder in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
        }
        for file in ["var/lib/dpkg/status", "var/lib/dpkg/available"] {
            FileManager.default.createFile(atPath: "\(root)/\(file)", contents: nil)
        }
        return root
    }

    /// dpkg on `root`: maintainer scripts run from the host with DPKG_ROOT set (the root has no shell of
    /// its own), and the Debian libraries the package depends on are the host's, so dependencies are not
    /// checked inside the empty root (``DebianPackageTests/swiftRuntimeIsStatic()`` checks them here).
    static func dpkg(root: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try runCommand("/usr/bin/dpkg", ["--root=\(root)", "--force-script-chrootless", "--force-depends"] + arguments)
    }

    static func dpkgQuery(root: String, _ format: String) throws -> String {
        try runCommand("/usr/bin/dpkg-query", ["--admindir=\(root)/var/lib/dpkg", "-W", "-f", format, "mash-gateway"]).output
    }

    /// The same package as version `<version>~older`, with a different packaged gateway.yaml (a release
    /// before this one, whose documented example differed).
    static func olderPackage() throws -> String {
        let folder = try Harness.makeDirectory("deb-older")
        let tree = "\(folder)/tree"
        let raw = try runCommand("/usr/bin/dpkg-deb", ["-R", try path(), tree])
        guard raw.status == 0 else { throw TestSupportError("dpkg-deb -R: \(raw.output)") }
        let control = "\(tree)/DEBIAN/control"
        try String(contentsOfFile: control, encoding: .utf8)
            .replacingOccurrences(of: "Version: \(version)\n", with: "Version: \(version)~older\n")
            .write(toFile: control, atomically: true, encoding: .utf8)
        let config = "\(tree)/etc/mash-gateway/gateway.yaml"
        try ("# an older release's example\n" + String(contentsOfFile: config, encoding: .utf8)).write(toFile: config, atomically: true, encoding: .utf8)
        let package = "\(folder)/mash-gateway_\(version)~older_\(architecture).deb"
        let built = try runCommand("/usr/bin/dpkg-deb", ["--root-owner-group", "-Zgzip", "-z1", "--build", tree, package])
        guard built.status == 0 else { throw TestSupportError("dpkg-deb --build: \(built.output)") }
        return package
    }

    /// Copies the host's systemd units (sysinit.target, basic.target, …) into `root`, as the systemd
    /// package of a real Debian 12 root would provide them; the package's own units stay as installed.
    static func addBaseSystemUnits(to root: String) throws {
        let target = "\(root)/usr/lib/systemd/system"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: "/lib/systemd/system") where !name.hasPrefix("mash-gateway") {
            _ = try runCommand("/bin/cp", ["-a", "/lib/systemd/system/\(name)", "\(target)/"])
        }
    }
}
