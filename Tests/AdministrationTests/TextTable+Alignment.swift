import Administration
import Testing

@Suite("TextTable and AgeText")
struct TextTableAlignmentTests {
    @Test("columns line up, numbers right-aligned, no trailing spaces")
    func aligned() {
        var table = TextTable(header: ["NAME", "COUNT"], rightAligned: [1])
        table.append(["temperature", "7"])
        table.append(["co2", "1200"])
        #expect(table.render() == """
            NAME         COUNT
            temperature      7
            co2           1200

            """)
    }

    @Test("ages read as a person says them", arguments: [
        (Int64(0), "0 s ago"), (3_400_000, "3 s ago"), (119_000_000, "119 s ago"), (120_000_000, "2 min ago"),
        (7_199_000_000, "119 min ago"), (7_200_000_000, "2 h ago"), (172_800_000_000, "2 d ago"), (-1, "in the future"),
    ])
    func ages(_ micros: Int64, _ text: String) {
        #expect(AgeText.format(micros: micros) == text)
    }
}
