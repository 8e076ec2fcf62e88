@testable import DeviceRegistry
import Testing

@Suite("TextInterner: repeated texts share one storage")
struct TextInternerSharingTests {
    /// Where a string's UTF-8 bytes live; equal for two strings that share storage.
    static func storage(_ text: String?) -> UnsafeRawPointer? {
        var text = text
        return text?.withUTF8 { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func equalLongTextsComeBackAsOneStorage() {
        var interner = TextInterner()
        let owner = "1f0e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
        // Two equal strings built separately, as two rows of a result are.
        let first = interner.intern(String(owner.utf8.map { Character(UnicodeScalar($0)) }))
        let second = interner.intern(String(owner.utf8.map { Character(UnicodeScalar($0)) }))
        #expect(first == owner && second == owner)
        #expect(Self.storage(first) == Self.storage(second))
        #expect(interner.count == 1)
    }

    @Test func nilAndShortTextsPassThroughWithoutAnEntry() {
        var interner = TextInterner()
        #expect(interner.intern(nil) == nil)
        #expect(interner.intern("UTC") == "UTC")
        #expect(interner.intern("{}") == "{}")
        #expect(interner.intern("fifteen-bytes!!") == "fifteen-bytes!!")
        #expect(interner.count == 0, "strings of up to 15 UTF-8 bytes are stored inline: nothing to share")
    }

    @Test func pastItsCapacityNewTextsPassThroughUnshared() {
        var interner = TextInterner(capacity: 2)
        let texts = (0..<5).map { "Europe/Somewhere-\($0)" }
        for text in texts { #expect(interner.intern(text) == text) }
        #expect(interner.count == 2)
        // The first two are still shared; a third, equal to one not kept, comes back as given.
        let again = interner.intern(String(texts[0].utf8.map { Character(UnicodeScalar($0)) }))
        #expect(Self.storage(again) == Self.storage(interner.intern(texts[0])))
        #expect(interner.intern(texts[4]) == texts[4])
        #expect(interner.count == 2)
    }
}
