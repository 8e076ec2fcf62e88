import Foundation
import PackagePlugin

/// Compiles the top-level `Migrations/*.sql` into the binary, so `mash-gateway migrate` works
/// from any working directory and an installed binary can never run against a different
/// set of files than the one it was tested with.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let migrations = context.package.directoryURL.appending(path: "Migrations")
        let files = (try? FileManager.default.contentsOfDirectory(
            at: migrations, includingPropertiesForKeys: nil
        ))?.filter { $0.pathExtension == "sql" }.sorted { $0.lastPathComponent < $1.lastPathComponent } ?? []
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) migrations",
                executable: try context.tool(named: "EmbedMigrationsTool").url,
                arguments: [output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
