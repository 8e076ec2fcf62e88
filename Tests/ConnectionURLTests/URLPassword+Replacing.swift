import ConnectionURL
import Testing

@Suite struct PasswordInsertionTests {
    @Test(arguments: [
        ("mqtt://gw@broker:1883", "mqtt://gw:s3cret@broker:1883"),
        ("mqtt://gw:stale@broker:1883", "mqtt://gw:s3cret@broker:1883"),
        ("mqtts://gw:p@ss@broker", "mqtts://gw:s3cret@broker"),
        ("postgres://mash@127.0.0.1:5432/mash", "postgres://mash:s3cret@127.0.0.1:5432/mash"),
        ("postgres://mash:old@h1:5432,h2:5432/mash?target_session_attrs=read-write",
         "postgres://mash:s3cret@h1:5432,h2:5432/mash?target_session_attrs=read-write"),
        ("postgres://127.0.0.1/mash", "postgres://:s3cret@127.0.0.1/mash"),
        ("postgres://mash@h/db?password=old&sslmode=require", "postgres://mash:s3cret@h/db?sslmode=require"),
        ("postgres://mash@h/db?password=old", "postgres://mash:s3cret@h/db"),
        ("postgres://u@h:5432/db?application_name=a@b", "postgres://u:s3cret@h:5432/db?application_name=a@b"),
    ])
    func replacesOrInserts(url: String, expected: String) {
        #expect(replacingPassword(in: url, with: "s3cret") == expected)
    }

    @Test func reservedCharactersRoundTripThroughTheMQTTParser() throws {
        let password = "p@ss:w/o?r#d%20 ü&x"
        let url = try #require(replacingPassword(in: "mqtt://gw@broker:1883", with: password))
        let parsed = try MQTTURL(parsing: url)
        #expect(parsed.password == password)
        #expect(parsed.username == "gw")
        #expect(parsed.host == "broker")
        #expect(!redacted(url: url).contains("ss"), "\(redacted(url: url))")
    }

    @Test func notAURL() {
        #expect(replacingPassword(in: "host=h dbname=d", with: "x") == nil)
        #expect(replacingLogin(in: "host=h dbname=d", user: "u", password: "x") == nil)
    }

    @Test func loginReplacesUserAndPassword() throws {
        let url = try #require(replacingLogin(in: "mqtts://gw:old@broker:8883", user: "sim-00001", password: "p@ss:w"))
        let parsed = try MQTTURL(parsing: url)
        #expect(parsed.username == "sim-00001")
        #expect(parsed.password == "p@ss:w")
        #expect(parsed.host == "broker" && parsed.port == 8883 && parsed.useTLS)
        #expect(replacingLogin(in: "mqtt://broker:1883", user: "d", password: "p") == "mqtt://d:p@broker:1883")
    }
}

@Suite struct PasswordSplittingTests {
    @Test(arguments: [
        ("postgres://mash:p%40ss@127.0.0.1:5432/mash", "postgres://mash@127.0.0.1:5432/mash", "p@ss"),
        ("postgres://mash@h1:5432,h2:5432/mash?target_session_attrs=read-write",
         "postgres://mash@h1:5432,h2:5432/mash?target_session_attrs=read-write", nil),
        ("postgres://:s3cret@h/db", "postgres://h/db", "s3cret"),
        ("postgres://mash@h/db?password=q%26p&sslmode=require", "postgres://mash@h/db?sslmode=require", "q&p"),
        ("host=h dbname=d", "host=h dbname=d", nil),
    ] as [(String, String, String?)])
    func splits(url: String, expectedURL: String, expectedPassword: String?) {
        let split = splittingPassword(from: url)
        #expect(split.url == expectedURL)
        #expect(split.password == expectedPassword)
    }

    @Test func splittingUndoesReplacing() throws {
        let password = "p@ss:w/o?r#d ü"
        let url = try #require(replacingPassword(in: "postgres://mash@h:5432/mash?sslmode=disable", with: password))
        let split = splittingPassword(from: url)
        #expect(split.url == "postgres://mash@h:5432/mash?sslmode=disable")
        #expect(split.password == password)
    }
}
