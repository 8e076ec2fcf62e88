import DeviceRegistry
import Foundation
import GatewayConfig
import Logging
import MessageRing
import Metrics
import Synchronization
import Telemetry
import WallTime

/// The single consumer of the ring: decodes each message, resolves its device and sensors,
/// and fills batches for the writer pool.
///
/// One thread owns the decoder state and the batch being filled, so the hot path takes no locks
/// beyond the directories' lookups and allocates nothing per reading once buffers have grown.
/// A batch goes to the writers as soon as one of them is free and the ring is drained, when it
/// holds `ingest.batch_size` rows, or when its first row has waited `ingest.flush_interval_ms`
/// (`FlushPolicy`): latency follows the load. The ring is released only up to what the writers report
/// durable and, for control messages, what their workers committed (`ControlReleaseFence`), so a
/// crash at any point replays exactly the messages not yet stored or acted on.
final class IngestConsumer: @unchecked Sendable {
    private let ring: MessageRing
    private let pool: WriterPool
    private let devices: DeviceDirectory
    private let sensors: SensorDirectory
    private let settings: IngestSettings
    private let partitions: PartitionSettings
    private let control: ControlMessageSink?
    private let liveness: Liveness
    private let logger: Logger
    private let decoder: TelemetryDecoder
    /// The device conventions switched on (`ingest.conventions`): how a topic is read.
    private let conventions: DeviceConventions.Enabled
    /// Devices' time zones, resolved once each (consumer thread only).
    private let zones = LocalZones()

    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    // Consumer-thread state.
    private var batch: ReadingBatch
    private var decoded = DecodedMessage()
    /// Readings of the open batch that the control sink watches; handed on with the batch, so
    /// alert rules judge them once they are stored (see `WatchedReadingFeed`).
    private var watchedReadings: [WatchedReading] = []
    private var sequence: UInt64 = 0
    private var batchOpened: ContinuousClock.Instant?
    /// When the open batch's first record was received (µs since the epoch; 0: no open batch), for the ingest lag.
    private let openBatchOldest = Atomic<Int64>(0)
    private var consumedEnd: RingPosition?
    private var submittedEnd: RingPosition?
    /// Control records whose effects the workers have not committed yet.
    private var fence = ControlReleaseFence()
    /// The furthest position the writers made durable, and the furthest released.
    private var writersDurable: RingPosition?
    private var released: RingPosition?
    private var retentionCutoff: Int64 = 0
    private var cutoffComputed = ContinuousClock.now - .seconds(3600)

    private let rejectCounters = Dictionary(uniqueKeysWithValues: IngestRejectReason.allCases.map {
        ($0, Counter(label: "mash_ingest_rejects_total", dimensions: [("reason", $0.rawValue)]))
    })
    private var payloadBudget: RejectPayloadBudget
    private let payloadBytesCut = Counter(label: "mash_ingest_reject_payload_bytes_cut_total")
    private let payloadsCut = Counter(label: "mash_ingest_reject_payloads_cut_total")
    private let readingsAccepted = Counter(label: "mash_readings_accepted_total")
    private let unknownDeviceControl = Counter(label: "mash_control_messages_unknown_device_total")
    private let ringDepth = Gauge(label: "mash_ring_depth_messages")
    private let ringBytes = Gauge(label: "mash_ring_used_bytes")

    init(
        ring: MessageRing, pool: WriterPool, devices: DeviceDirectory, sensors: SensorDirectory,
        settings: IngestSettings, partitions: PartitionSettings, control: ControlMessageSink?, liveness: Liveness, logger: Logger
    ) {
        self.ring = ring
        self.pool = pool
        self.devices = devices
        self.sensors = sensors
        self.settings = settings
        self.partitions = partitions
        self.control = control
        self.liveness = liveness
        self.logger = logger
        self.decoder = TelemetryDecoder(maxDepth: settings.maxJSONDepth)
        self.payloadBudget = RejectPayloadBudget(bytesPerHour: settings.rejectPayloadBytesPerDeviceHour)
        self.conventions = DeviceConventions.Enabled(names: settings.conventions)
        self.batch = pool.recycled.take() ?? ReadingBatch(capacity: settings.batchSize)
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "mash-ingest"
        thread.start()
    }

    /// Drains what the ring holds, hands the last batch to the writers and returns when the
    /// thread has ended. Call after the broker connection has stopped (nothing more arrives).
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        finished.wait()
    }

    /// The receive time of the oldest row not yet in PostgreSQL: in the open batch, with the
    /// writers or in the spool (µs since the epoch); nil when every row received is stored.
    var oldestUnwrittenMicros: Int64? {
        let open = openBatchOldest.load(ordering: .relaxed)
        return [open == 0 ? nil : open, pool.unwritten.oldest].compactMap { $0 }.min()
    }

    // MARK: The loop

    private func run() {
        let policy = FlushPolicy(batchSize: settings.batchSize, maxWait: .milliseconds(settings.flushIntervalMilliseconds),
                                 whenWriterFree: settings.flushWhenWriterFree)
        var lastGauge = ContinuousClock.now
        var wait = policy.idlePoll
        while true {
            liveness.beat()
            releaseDurable()
            let stopping = stopRequested.load(ordering: .acquiring)
            if ring.unreadBytes > 0 || ring.waitForData(timeout: wait) {
                refreshCutoffIfDue()
                while let record = ring.next() {
                    guard handle(record) else {
                        // The database is needed to decide this record and cannot be reached while
                        // stopping: it (and everything after it) stays unreleased in the ring, and
                        // is read again at the next start.
                        return finishRun()
                    }
                    consumedEnd = record.end
                    if batch.readingCount + batch.rejectCount >= settings.batchSize { submit() }
                }
            }
            wait = policy.idlePoll
            if let opened = batchOpened {
                // Asked only with a batch open: the pool's answer takes a look at its queue.
                let decision = policy.decide(rows: batch.readingCount + batch.rejectCount, age: ContinuousClock.now - opened,
                                             caughtUp: ring.unreadBytes == 0, writerFree: policy.whenWriterFree && pool.hasFreeWriter)
                switch decision {
                case .flush: submit()
                case .wait(let next): wait = next
                }
            } else if consumedEnd != submittedEnd {
                // Only control messages since the last batch: pass their position through the
                // writers' ordering so the ring can be released past them too.
                submit()
            }
            if ContinuousClock.now - lastGauge >= .milliseconds(500) {
                lastGauge = .now
                ringDepth.record(ring.pendingRecords)
                ringBytes.record(ring.usedBytes)
            }
            if stopping && ring.unreadBytes == 0 {
                return finishRun()
            }
        }
    }

    private func finishRun() {
        if !batch.isEmpty || consumedEnd != submittedEnd { submit() }
        pool.finish()
        releaseDurable()
        settleControlBeforeStop()
        do { try ring.sync() } catch { logger.error("ring sync failed at shutdown", metadata: ["error": "\(error)"]) }
        ringDepth.record(ring.pendingRecords)
        ringBytes.record(ring.usedBytes)
    }

    private func releaseDurable() {
        if let position = pool.tracker.takeReleasable() { writersDurable = position }
        guard let durable = writersDurable else { return }
        let point = control.map { control in fence.releasePoint(durable: durable, isSettled: { control.isSettled($0) }) } ?? durable
        if released.map({ point > $0 }) ?? true {
            ring.release(upTo: point)
            released = point
        }
    }

    /// At a stop, gives the workers (still running: they stop after ingest) a few seconds to commit
    /// the last control messages, so a clean restart replays none; what is left stays in the ring.
    private func settleControlBeforeStop() {
        let deadline = ContinuousClock.now + Self.controlSettleAtStop
        while fence.count > 0 && ContinuousClock.now < deadline {
            liveness.beat()
            usleep(20_000)
            releaseDurable()
        }
        if fence.count > 0 {
            logger.notice("control messages not yet acted on stay in the ring for the next start", metadata: ["messages": "\(fence.count)"])
        }
    }

    /// Presence writes every ~2 s, so this covers one write in the normal case.
    static let controlSettleAtStop = Duration.seconds(3)

    /// A control record was handed to its worker: the ring keeps it until its effect is committed.
    private func holdControl(_ record: RingRecord) {
        guard let control else { return }
        fence.hold(start: record.start, mark: control.controlMark())
    }

    private func submit() {
        // Sealed in place: sealing a second reference would copy the whole COPY buffer.
        batch.seal()
        let oldest = openBatchOldest.load(ordering: .relaxed)
        var job = WriteJob(sequence: sequence, batch: batch, ringEnd: consumedEnd, oldestReceivedMicros: batch.isEmpty || oldest == 0 ? nil : oldest)
        if !watchedReadings.isEmpty {
            job.watched = watchedReadings
            watchedReadings = []
        }
        // While every writer holds a batch (database away, spool refusing) the ring fills: keep its
        // gauges current, they are what shows the back-pressure.
        pool.submit(job) {
            liveness.beat()
            ringDepth.record(ring.pendingRecords)
            ringBytes.record(ring.usedBytes)
        }
        openBatchOldest.store(0, ordering: .relaxed)
        sequence += 1
        submittedEnd = consumedEnd
        batch = pool.recycled.take() ?? ReadingBatch(capacity: settings.batchSize)
        batchOpened = nil
    }

    private func refreshCutoffIfDue() {
        let now = ContinuousClock.now
        guard now - cutoffComputed >= .seconds(1) else { return }
        cutoffComputed = now
        retentionCutoff = PartitionManager.retentionCutoffMicros(now: WallInstant.now().microseconds, retentionDays: partitions.retentionDays)
    }

    // MARK: One message

    /// Routes one record; false when it needs the database and the gateway is stopping without one.
    private func handle(_ record: RingRecord) -> Bool {
        if batchOpened == nil {
            batchOpened = .now
            openBatchOldest.store(record.receivedAt, ordering: .relaxed)
        }
        if record.kind == RecordKind.oversized {
            let size = record.payload.count >= 8 ? record.payload.loadUnaligned(as: UInt64.self).bigEndian : 0
            reject(record, payload: UnsafeRawBufferPointer(rebasing: record.payload.dropFirst(8)), .payloadTooLarge,
                   "payload of \(size) bytes exceeds ingest.max_payload_bytes (\(settings.maxPayloadBytes)); first \(record.payload.count - 8) bytes kept")
            return true
        }
        let topic = String(decoding: record.topic, as: UTF8.self)
        let parsed = conventions.classify(topic)
        switch parsed {
        case .telemetry(let key), .sensor(let key, _), .conventionReadings(let key, _, _):
            guard let device = resolve(key, record: record) else { return !isStoppingWithoutDatabase }
            ingest(record, device: device, topic: parsed)
            control?.deviceMessage(device, topic: parsed, payload: record.payload, receivedAtMicros: record.receivedAt,
                                   retained: record.flags & RingRecorder.retainedFlag != 0)
        case .heartbeat(let key), .status(let key), .commandAck(let key, _), .commandResult(let key, _),
             .conventionHeartbeat(let key, _):
            // Waits (in a loop, not by recursion: an outage can last hours) while the database cannot answer.
            while true {
                switch devices.lookup(key) {
                case .found(let device):
                    control?.deviceMessage(device, topic: parsed, payload: record.payload, receivedAtMicros: record.receivedAt,
                                       retained: record.flags & RingRecorder.retainedFlag != 0)
                    holdControl(record)
                case .unknown:
                    // Presence and commands concern known devices only; counted so it is not silent.
                    unknownDeviceControl.increment()
                    logger.debug("message from an unknown device ignored", metadata: ["topic": "\(topic)"])
                case .unavailable:
                    if !waitForDatabase() { return false }
                    continue
                }
                break
            }
        case .operatorCommands, .alertAck, .alertResolve:
            control?.operatorMessage(topic: parsed, payload: record.payload, receivedAtMicros: record.receivedAt)
            holdControl(record)
        case .unknown:
            logger.debug("message on an unexpected topic ignored", metadata: ["topic": "\(topic)"])
        }
        return true
    }

    private var isStoppingWithoutDatabase: Bool { stopRequested.load(ordering: .acquiring) }

    /// The device for a telemetry key; nil after a reject (unknown device) or when stopping without a database.
    private func resolve(_ key: Substring, record: RingRecord) -> DeviceRecord? {
        while true {
            switch devices.lookup(key) {
            case .found(let device):
                return device
            case .unknown:
                if settings.unknownDevices == .register {
                    do {
                        if let device = try devices.register(key: key) {
                            logger.info("device registered on first message", metadata: ["key": "\(key)", "id": "\(device.idString)"])
                            return device
                        }
                    } catch {
                        if !waitForDatabase() { return nil }
                        continue
                    }
                }
                reject(record, payload: record.payload, .unknownDevice,
                       "no device has serial number, MAC address or id \"\(key)\" (ingest.unknown_devices: \(settings.unknownDevices.rawValue))")
                return nil
            case .unavailable:
                if !waitForDatabase() { return nil }
            }
        }
    }

    /// Pauses the consumer while the database cannot answer a lookup (the ring holds everything
    /// meanwhile); false when the gateway is stopping instead.
    private func waitForDatabase() -> Bool {
        if stopRequested.load(ordering: .acquiring) { return false }
        liveness.beat()
        releaseDurable()
        usleep(200_000)
        return !stopRequested.load(ordering: .acquiring)
    }

    private func ingest(_ record: RingRecord, device: DeviceRecord, topic: DeviceTopic) {
        let payload = record.payload
        switch topic {
        case .sensor(_, let sensor):
            decoder.decodeSensorValue(payload, sensor: sensor, receivedAtMicros: record.receivedAt, into: &decoded)
        case .conventionReadings(_, let item, let convention):
            let context = ReadingContext(
                receivedAtMicros: record.receivedAt, retentionCutoffMicros: retentionCutoff,
                futureToleranceMicros: decoder.futureToleranceMicros, zone: zones.lookup(device.timezone),
                maxDepth: settings.maxJSONDepth)
            convention.convention.decodeReadings(payload, item: item, context: context, into: &decoded)
        default:
            decoder.decode(payload, receivedAtMicros: record.receivedAt, retentionCutoffMicros: retentionCutoff, into: &decoded)
        }
        let deviceID = device.id.halves
        // Nil (nothing watched on this device) keeps the loop free of that work.
        let watched = control?.watchedSensors(device)
        for reading in decoded.readings {
            let mapped = reading.mapKey.flatMap { key in
                device.sensorMap.flatMap { map in decoded.withBytes(key, payload: payload) { map.sensorType(for: $0) } }
            }
            let sensorType = if let mapped {
                mapped.withUnsafeBytes { sensors.lookup($0) }
            } else {
                decoded.withBytes(reading.sensor, payload: payload) { sensors.lookup($0) }
            }
            guard let sensorType else {
                reject(record, payload: payload, .unknownSensor, unknownSensorDetail(reading, mapped: mapped, payload: payload))
                continue
            }
            let quality: ReadingQuality? = sensorType.isOutOfBounds(reading.scaledValue) ? .bad : reading.quality
            if let metadata = reading.metadata {
                decoded.withBytes(metadata, payload: payload) { bytes in
                    _ = batch.append(deviceID: deviceID, sensorTypeID: sensorType.id.halves, scaledValue: reading.scaledValue,
                                     quality: quality, timestampMicros: reading.timestampMicros, metadata: bytes)
                }
            } else {
                batch.append(deviceID: deviceID, sensorTypeID: sensorType.id.halves, scaledValue: reading.scaledValue,
                             quality: quality, timestampMicros: reading.timestampMicros, metadata: nil)
            }
            if let watched {
                let name = sensorType.name.lowercased()
                if watched.contains(name) {
                    watchedReadings.append(WatchedReading(
                        device: device, sensor: name, value: Double(reading.scaledValue) / 10_000, timestampMicros: reading.timestampMicros))
                }
            }
        }
        readingsAccepted.increment(by: decoded.readings.count)
        for rejected in decoded.rejects {
            reject(record, payload: payload, rejected.reason, rejected.detail)
        }
    }

    /// Why a reading's sensor is unknown, with the fix (cold path).
    private func unknownSensorDetail(_ reading: DecodedReading, mapped: [UInt8]?, payload: UnsafeRawBufferPointer) -> String {
        let name = decoded.string(reading.sensor, payload: payload)
        guard let key = reading.mapKey.map({ decoded.string($0, payload: payload) }) else {
            return "sensor \"\(name)\" is not a sensor_types name"
        }
        if let mapped {
            return "configuration.sensor_map maps \"\(key)\" to \"\(String(decoding: mapped, as: UTF8.self))\", which is not a sensor_types name"
        }
        return "sensor \"\(name)\" is not a sensor_types name; map \"\(key)\" to one in the device's configuration.sensor_map"
    }

    private func reject(_ record: RingRecord, payload: UnsafeRawBufferPointer, _ reason: IngestRejectReason, _ detail: String) {
        rejectCounters[reason]?.increment()
        let stored = min(payload.count, ReadingBatch.maxStoredPayloadBytes)
        switch payloadBudget.admit(topic: record.topic, bytes: stored, receivedAtMicros: record.receivedAt) {
        case .store:
            batch.appendReject(receivedAtMicros: record.receivedAt, topic: record.topic, payload: payload, reason: reason, detail: detail)
        case .omit(let bytes):
            payloadBytesCut.increment(by: bytes)
            payloadsCut.increment()
            let note = " (payload of \(payload.count) bytes not stored: this device's rejects reached ingest.reject_payload_bytes_per_device_hour, \(payloadBudget.bytesPerHour) bytes, this hour)"
            batch.appendReject(receivedAtMicros: record.receivedAt, topic: record.topic, payload: UnsafeRawBufferPointer(start: nil, count: 0), reason: reason, detail: detail + note)
        }
    }
}
