/// An array stored in fixed-size pages, so that a copy shares every page and a write copies
/// only the page it touches.
///
/// A published snapshot and the live copy being updated share all pages but the few the
/// updates since touched; publishing is O(number of pages) rather than O(count).
public struct PagedArray<Element: Sendable>: Sendable, RandomAccessCollection {
    /// Elements per page (a power of two).
    public static var pageSize: Int { 1 << pageShift }
    static var pageShift: Int { 10 }

    // A page is mutated only while uniquely referenced (see `withPage`), so no two threads
    // ever see a page change under them; that makes sharing it across threads safe.
    final class Page: @unchecked Sendable {
        var items: [Element]
        init(_ items: [Element]) { self.items = items }
    }

    private var pages: [Page] = []
    public private(set) var count = 0

    public init() {}

    public init<S: Sequence>(_ elements: S) where S.Element == Element {
        var page: [Element] = []
        page.reserveCapacity(Self.pageSize)
        for element in elements {
            page.append(element)
            if page.count == Self.pageSize {
                pages.append(Page(page))
                page.removeAll(keepingCapacity: true)
            }
            count += 1
        }
        if !page.isEmpty { pages.append(Page(page)) }
    }

    /// Pages cut from an array in bulk, rather than element by element.
    public init(_ array: [Element]) {
        var start = 0
        while start < array.count {
            let end = Swift.min(array.count, start + Self.pageSize)
            pages.append(Page(Array(array[start..<end])))
            start = end
        }
        count = array.count
    }

    public init(repeating element: Element, count: Int) {
        self.init(repeatElement(element, count: count))
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> Element {
        @inline(__always) get {
            pages[position >> Self.pageShift].items[position & (Self.pageSize - 1)]
        }
        set {
            withPage(position >> Self.pageShift) { $0[position & (Self.pageSize - 1)] = newValue }
        }
    }

    /// Overwrites `elements.count` elements from `start` on, copying each shared page once.
    public mutating func replaceSubrange(startingAt start: Int, with elements: [Element]) {
        precondition(start >= 0 && start + elements.count <= count, "replacement out of range")
        var position = start
        var source = 0
        while source < elements.count {
            let offset = position & (Self.pageSize - 1)
            let run = Swift.min(Self.pageSize - offset, elements.count - source)
            let from = source
            withPage(position >> Self.pageShift) { items in
                for index in 0..<run { items[offset + index] = elements[from + index] }
            }
            position += run
            source += run
        }
    }

    public mutating func append(_ element: Element) {
        if count & (Self.pageSize - 1) == 0 {
            pages.append(Page([element]))
        } else {
            withPage(pages.count - 1) { $0.append(element) }
        }
        count += 1
    }

    /// Copies the page first when a snapshot still shares it.
    private mutating func withPage(_ index: Int, _ body: (inout [Element]) -> Void) {
        if !isKnownUniquelyReferenced(&pages[index]) {
            pages[index] = Page(pages[index].items)
        }
        body(&pages[index].items)
    }
}
