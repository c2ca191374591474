import Testing

@testable import JesterCore

struct PagedArrayTests {
    @Test(arguments: [0, 1, 1023, 1024, 1025, 5000])
    func bulkAndElementWiseBuildsHoldTheSameElements(count: Int) {
        let values = (0..<count).map { Float($0) * 0.5 }
        let bulk = PagedArray(values)
        let elementWise = PagedArray(values.lazy.map { $0 })
        #expect(Array(bulk) == values && Array(elementWise) == values)
        #expect(bulk.count == count)
    }

    @Test func appendsAfterABulkBuildFillTheLastPageFirst() {
        var array = PagedArray((0..<1500).map(Float.init))
        for value in 1500..<2100 { array.append(Float(value)) }
        #expect(Array(array) == (0..<2100).map(Float.init))
    }

    @Test func aCopyKeepsItsElementsWhenTheOriginalIsWritten() {
        var original = PagedArray((0..<3000).map(Float.init))
        let copy = original
        original[1500] = -1
        original.append(7)
        #expect(copy[1500] == 1500 && copy.count == 3000)
        #expect(original[1500] == -1 && original.count == 3001)
    }
}
