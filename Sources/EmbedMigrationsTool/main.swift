import Foundation

// Usage: EmbedMigrationsTool OUTPUT.swift FILE.sql...
// Writes `EmbeddedMigrations.all`: the files' names and exact bytes (base64), in name order.
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: EmbedMigrationsTool OUTPUT.swift FILE.sql...\n".utf8))
    exit(2)
}
var swift = "// Generated from Migrations/*.sql by the EmbedMigrations plugin. Do not edit.\n"
swift += "// Base64 keeps the bytes exact (no line-ending normalisation) and compiles fast.\n"
swift += "enum EmbeddedMigrations {\n    static let all: [(name: String, base64: String)] = [\n"
for path in arguments.dropFirst().sorted() {
    let url = URL(fileURLWithPath: path)
    let data = try Data(contentsOf: url)
    swift += "        (name: \"\(url.lastPathComponent)\", base64: \"\(data.base64EncodedString())\"),\n"
}
swift += "    ]\n}\n"
try Data(swift.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
