import Testing
import WallTime

@Suite("CivilDate")
struct CivilDateTests {
    /// Every day 1900-01-01 … 2200-12-31 against a calendar walked one day at a time.
    @Test func everyDayFrom1900To2200RoundTrips() {
        let monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var (year, month, day) = (1900, 1, 1)
        var weekday = 0  // 1900-01-01 was a Monday
        var dayNumber: Int64 = -25_567
        var checked = 0
        while year <= 2200 {
            let expected = CivilDate(year: year, month: month, day: day)
            #expect(CivilDate(dayNumber: dayNumber) == expected)
            #expect(expected.dayNumber == dayNumber)
            #expect(CivilDate.isoWeekday(dayNumber: dayNumber) == weekday)
            #expect(expected.isValid)
            dayNumber += 1
            weekday = (weekday + 1) % 7
            checked += 1
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            if day < monthLengths[month - 1] + (month == 2 && leap ? 1 : 0) {
                day += 1
            } else if month < 12 {
                (month, day) = (month + 1, 1)
            } else {
                (year, month, day) = (year + 1, 1, 1)
            }
        }
        #expect(checked == 301 * 365 + 73)  // 73 leap days: 1904…2196 less 2100
        #expect(CivilDate(year: 2201, month: 1, day: 1).dayNumber == dayNumber)
    }

    @Test func wideRangeRoundTripsBothWays() {
        for dayNumber in stride(from: Int64(-800_000), through: 3_000_000, by: 997) {
            let date = CivilDate(dayNumber: dayNumber)
            #expect(date.dayNumber == dayNumber)
            #expect(date.isValid)
        }
    }

    @Test(arguments: [
        (0, 1970, 1, 1), (-1, 1969, 12, 31), (-719_528, 0, 1, 1), (-719_529, -1, 12, 31),
        (10_957, 2000, 1, 1), (11_016, 2000, 2, 29), (19_782, 2024, 2, 29), (47_540, 2100, 2, 28), (47_541, 2100, 3, 1),
        (2_932_896, 9999, 12, 31),
    ] as [(Int64, Int, Int, Int)])
    func knownDays(dayNumber: Int64, year: Int, month: Int, day: Int) {
        #expect(CivilDate(dayNumber: dayNumber) == CivilDate(year: year, month: month, day: day))
        #expect(CivilDate(year: year, month: month, day: day).dayNumber == dayNumber)
    }

    @Test func leapYears() {
        #expect(CivilDate.isLeapYear(2024) && CivilDate.isLeapYear(2000) && CivilDate.isLeapYear(1600) && CivilDate.isLeapYear(0))
        #expect(!CivilDate.isLeapYear(1900) && !CivilDate.isLeapYear(2100) && !CivilDate.isLeapYear(2023))
        #expect(CivilDate.daysInMonth(year: 2024, month: 2) == 29)
        #expect(CivilDate.daysInMonth(year: 2100, month: 2) == 28)
        #expect(CivilDate.daysInMonth(year: 2023, month: 4) == 30)
        #expect(!CivilDate(year: 2023, month: 2, day: 29).isValid)
        #expect(!CivilDate(year: 2024, month: 13, day: 1).isValid)
        #expect(!CivilDate(year: 2024, month: 1, day: 0).isValid)
    }

    @Test func dayNumberOfMicrosecondsRoundsDown() {
        #expect(CivilDate.dayNumber(micros: 0) == 0)
        #expect(CivilDate.dayNumber(micros: CivilDate.microsPerDay - 1) == 0)
        #expect(CivilDate.dayNumber(micros: CivilDate.microsPerDay) == 1)
        #expect(CivilDate.dayNumber(micros: -1) == -1)
        #expect(CivilDate.dayNumber(micros: -CivilDate.microsPerDay) == -1)
        #expect(CivilDate.dayNumber(micros: -CivilDate.microsPerDay - 1) == -2)
    }

    @Test func firstOfMonthCrossesYears() {
        let date = CivilDate(year: 2024, month: 11, day: 17)
        #expect(date.firstOfMonth() == CivilDate(year: 2024, month: 11, day: 1))
        #expect(date.firstOfMonth(adding: 2) == CivilDate(year: 2025, month: 1, day: 1))
        #expect(date.firstOfMonth(adding: -11) == CivilDate(year: 2023, month: 12, day: 1))
        #expect(CivilDate(year: 0, month: 1, day: 5).firstOfMonth(adding: -1) == CivilDate(year: -1, month: 12, day: 1))
    }

    @Test func printsISODates() {
        #expect(CivilDate(year: 2024, month: 2, day: 9).description == "2024-02-09")
        #expect(CivilDate(year: 33, month: 12, day: 31).description == "0033-12-31")
        #expect(CivilDate(year: 12_345, month: 1, day: 1).description == "12345-01-01")
        #expect(CivilDate(year: 2024, month: 2, day: 9) < CivilDate(year: 2024, month: 3, day: 1))
    }
}
