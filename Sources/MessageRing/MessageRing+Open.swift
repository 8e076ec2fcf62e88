extension MessageRing {
    /// Opens or creates the file, validates its header and maps it; see `init(path:capacity:)`.
    static func openFile(path: String, capacity requested: Int) throws(RingError) -> (RingMapping, Int, RingOpenReport) {
        try RingLayout.validate(capacity: requested, path: path)
        let file = try RingFile(path: path)
        let size = try file.size()
        let header = try file.readPrefix(count: RingLayout.headerSize)
        func field<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        }
        let headerSize = RingLayout.headerSize

        // Empty, or full-sized with magic 0 (creation interrupted before its last store): create.
        if size == 0 || (header.count == headerSize && field(RingLayout.magicOffset, UInt64.self) == 0) {
            try file.resize(to: headerSize + requested, discardingContents: true)
            let mapping = try RingMapping(file: file, size: headerSize + requested)
            writeFreshHeader(mapping.base, capacity: requested)
            try mapping.sync(offset: 0, length: headerSize)
            try file.syncMetadata()
            return (mapping, requested, RingOpenReport(created: true))
        }

        func corrupt(_ detail: String) -> RingError {
            RingError(code: .corruptHeader, path: path, detail: detail + "; move the file away to start with an empty ring (its pending messages are then lost)")
        }
        guard header.count >= 8, field(RingLayout.magicOffset, UInt64.self) == RingLayout.magic else {
            throw RingError(code: .badMagic, path: path, detail: "not a message ring file (wrong magic); refusing to overwrite it")
        }
        guard header.count == headerSize else {
            throw corrupt("file is \(size) bytes, shorter than the \(headerSize)-byte header")
        }
        let version = field(RingLayout.versionOffset, UInt32.self)
        guard version == RingLayout.version else {
            throw RingError(code: .unsupportedVersion, path: path, detail: "layout version \(version), this build reads version \(RingLayout.version)")
        }
        guard field(RingLayout.headerSizeOffset, UInt32.self) == UInt32(headerSize) else {
            throw corrupt("header size field is \(field(RingLayout.headerSizeOffset, UInt32.self)), expected \(headerSize)")
        }
        let storedCapacity = field(RingLayout.capacityOffset, UInt64.self)
        guard storedCapacity <= UInt64(RingLayout.maximumCapacity),
              (try? RingLayout.validate(capacity: Int(storedCapacity), path: path)) != nil else {
            throw corrupt("stored capacity \(storedCapacity) is invalid")
        }
        var capacity = Int(storedCapacity)
        guard size >= headerSize + capacity else {
            throw corrupt("file is \(size) bytes but its header says \(headerSize + capacity)")
        }
        let head = field(RingLayout.headOffset, UInt64.self)
        let tail = field(RingLayout.tailOffset, UInt64.self)
        guard tail <= head, head - tail <= storedCapacity, head % 8 == 0, tail % 8 == 0,
              field(RingLayout.tailRecordsOffset, UInt64.self) <= field(RingLayout.headRecordsOffset, UInt64.self) else {
            throw corrupt("inconsistent positions (head \(head), tail \(tail), capacity \(capacity))")
        }

        var change: RingOpenReport.CapacityChange?
        if capacity != requested {
            if head == tail {
                try file.resize(to: headerSize + requested, discardingContents: false)
                change = .resized(from: capacity, to: requested)
                capacity = requested
            } else {
                change = .keptFileCapacity(file: capacity, configured: requested)
            }
        }
        // A resize has reserved the blocks; otherwise the file may have holes (copied or restored sparse).
        if case .resized = change {} else { try file.reserve(headerSize + capacity) }
        let mapping = try RingMapping(file: file, size: headerSize + capacity)
        if case .resized = change {
            mapping.base.storeBytes(of: UInt64(capacity), toByteOffset: RingLayout.capacityOffset, as: UInt64.self)
            try mapping.sync(offset: 0, length: headerSize)
            try file.syncMetadata()
        }
        return (mapping, capacity, RingOpenReport(created: false, capacityChange: change))
    }

    /// Walks the records from `tail` towards `head` and returns how many are intact and where the
    /// intact run ends.
    ///
    /// After SIGKILL every record up to head is intact (head is published after the bytes). After a
    /// power cut the stored head may be ahead of pages that never reached the disk: such a record
    /// has a wrong stamp (a page from an earlier lap), an impossible length (a zero page) or a
    /// wrong checksum, and it and everything after it are dropped.
    static func scan(data: UnsafeRawPointer, capacity: Int, from tail: UInt64, to head: UInt64) -> (records: UInt64, end: UInt64) {
        let maxRecord = RingLayout.maxRecordSize(capacity: capacity)
        let capacity64 = UInt64(capacity)
        var position = tail
        var records: UInt64 = 0
        while position < head {
            let offset = Int(position % capacity64)
            let record = data + offset
            let length = record.load(as: UInt32.self)
            guard record.load(fromByteOffset: 4, as: UInt32.self) == UInt32(truncatingIfNeeded: position) else { break }
            if length == RingLayout.wrapMarker {
                let skip = capacity64 - UInt64(offset)
                // The marker and the record after it are published together.
                guard position + skip < head else { break }
                position += skip
                continue
            }
            let size = Int(length)
            guard size >= RingLayout.recordHeaderSize, size % 8 == 0, size <= maxRecord,
                  offset + size <= capacity, position + UInt64(size) <= head else { break }
            let topicCount = Int(record.load(fromByteOffset: 10, as: UInt16.self))
            let payloadCount = Int(record.load(fromByteOffset: 12, as: UInt32.self))
            guard MessageRing.recordSize(topicCount: topicCount, payloadCount: payloadCount) == size,
                  record.load(fromByteOffset: 24, as: UInt32.self) == RingLayout.checksum(record: record, length: size)
            else { break }
            position += UInt64(size)
            records += 1
        }
        return (records, position)
    }
}
