import Testing
@testable import GatewayConfig

@Suite struct GatewayConfigurationEnvironmentTests {
    @Test func environmentReplacesURLs() throws {
        let c = try GatewayConfiguration.parse(
            yaml: "mqtt: {url: mqtt://file:1883}\ndatabase: {url: postgres://file/db}\n",
            environment: ["MASH_MQTT_URL": "mqtt://env:1884", "MASH_DATABASE_URL": "postgresql://env/db", "OTHER": "x"])
        #expect(c.mqtt.url == "mqtt://env:1884")
        #expect(c.database.url == "postgresql://env/db")
    }

    @Test func environmentAppliesToAnEmptyFile() throws {
        let c = try GatewayConfiguration.parse(yaml: "", environment: ["MASH_DATABASE_URL": "postgres://u@h:1/x"])
        #expect(c.database.url == "postgres://u@h:1/x")
        #expect(c.mqtt.url == MQTTSettings().url)
    }

    @Test func emptyEnvironmentValuesAreIgnored() throws {
        let c = try GatewayConfiguration.parse(yaml: "", environment: ["MASH_DATABASE_URL": "", "MASH_MQTT_URL": ""])
        #expect(c == GatewayConfiguration())
    }

    @Test func badEnvironmentValueNamesTheVariableButNotThePassword() {
        let found = problems("", environment: ["MASH_DATABASE_URL": "mysql://u:topsecret@h/db"])
        #expect(found.count == 1)
        #expect(found.first?.key == "database.url")
        #expect(found.first?.message.contains("MASH_DATABASE_URL") == true)
        #expect(found.first?.message.contains("postgres or postgresql") == true)
        #expect(found.first?.description.contains("topsecret") == false)
    }
}
