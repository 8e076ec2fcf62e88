import ConnectionURL
import Testing

@Suite struct RedactionTests {
    @Test(arguments: [
        ("mqtt://u:secret@h:1883", "mqtt://u:****@h:1883"),
        ("postgres://mash:secret@127.0.0.1:5432/mash", "postgres://mash:****@127.0.0.1:5432/mash"),
        ("postgresql://mash:p%40ss@10.0.0.1/mash?sslmode=verify-full", "postgresql://mash:****@10.0.0.1/mash?sslmode=verify-full"),
        ("postgres://:s3cret@host/db", "postgres://:****@host/db"),
        ("postgres://mash@127.0.0.1:5432/mash", "postgres://mash@127.0.0.1:5432/mash"),
        ("mqtt://127.0.0.1:1883", "mqtt://127.0.0.1:1883"),
        ("mqtt://u:@h", "mqtt://u:****@h"),
        ("mqtt://u:p@ss@h", "mqtt://u:****@h"),
        ("mqtt://u:pa/ss@h", "mqtt://u:****@h"),
        ("mqtt://u:pa?ss@h", "mqtt://u:****@h"),
        ("mqtt://u:pa#ss@h", "mqtt://u:****@h"),
        ("postgres://u@h:5432/db?application_name=a@b", "postgres://u@h:5432/db?application_name=a@b"),
        ("postgres://h/db?user=u&password=secret&sslmode=require", "postgres://h/db?user=u&password=****&sslmode=require"),
        ("postgres://127.0.0.1/mash?user=u&password=s3cret", "postgres://127.0.0.1/mash?user=u&password=****"),
        ("host=h password=secret dbname=d", "host=h password=**** dbname=d"),
        ("host=h password='sec ret' dbname=d", "host=h password=**** dbname=d"),
        ("not a url", "not a url"),
    ])
    func passwordsAreMasked(url: String, expected: String) {
        #expect(redacted(url: url) == expected)
    }
}
