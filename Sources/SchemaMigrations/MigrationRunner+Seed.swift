import Postgres

/// How many default rows `seed` added; all zero when they were already there.
public struct SeedReport: Sendable, Hashable {
    public var sensorTypesAdded = 0
    public var usersAdded = 0
    public var productCategoriesAdded = 0

    public init(sensorTypesAdded: Int = 0, usersAdded: Int = 0, productCategoriesAdded: Int = 0) {
        self.sensorTypesAdded = sensorTypesAdded
        self.usersAdded = usersAdded
        self.productCategoriesAdded = productCategoriesAdded
    }

    public var total: Int { sensorTypesAdded + usersAdded + productCategoriesAdded }
}

extension MigrationRunner {
    // A row is skipped when one with the same key exists, compared case-insensitively where the
    // gateway matches case-insensitively (sensor names, e-mails), so an operator's own
    // `Temperature` is never shadowed by a second `temperature`. ON CONFLICT covers a concurrent seed.
    static let insertSensorType = """
        INSERT INTO sensor_types (name, unit, min_value, max_value, accuracy, description, calibration_interval_days)
        SELECT $1::text, $2::text, $3::numeric, $4::numeric, $5::numeric, $6::text, $7::integer
        WHERE NOT EXISTS (SELECT 1 FROM sensor_types WHERE lower(name) = lower($1::text))
        ON CONFLICT DO NOTHING
        """
    static let insertAdmin = """
        INSERT INTO users (clerk_user_id, email, first_name, last_name, role, email_verified)
        SELECT $1::text, $2::text, 'Local', 'Administrator', 'admin', TRUE
        WHERE NOT EXISTS (SELECT 1 FROM users WHERE clerk_user_id = $1::text OR lower(email) = lower($2::text))
        ON CONFLICT DO NOTHING
        """
    static let insertProductCategory = """
        INSERT INTO product_categories (name, slug, description, sort_order)
        SELECT $1::text, $2::text, $3::text, $4::integer
        WHERE NOT EXISTS (SELECT 1 FROM product_categories WHERE slug = $2::text)
        ON CONFLICT DO NOTHING
        """

    /// Loads `DefaultData` (sensor types, the local admin, product categories) in one transaction.
    ///
    /// Idempotent: existing rows are neither duplicated nor changed, so running it again adds
    /// nothing. Needs the schema of migration 0001.
    @discardableResult
    public func seed(_ connection: PostgresConnection) throws(MigrationError) -> SeedReport {
        do {
            return try connection.transaction {
                var report = SeedReport()
                for type in DefaultData.sensorTypes {
                    report.sensorTypesAdded += try connection.execute(Self.insertSensorType, [
                        type.name, type.unit, type.minValue, type.maxValue, type.accuracy, type.description,
                        type.calibrationIntervalDays.map(String.init),
                    ]).affectedRows
                }
                report.usersAdded += try connection.execute(
                    Self.insertAdmin, [DefaultData.adminClerkUserID, DefaultData.adminEmail]
                ).affectedRows
                for category in DefaultData.productCategories {
                    report.productCategoriesAdded += try connection.execute(Self.insertProductCategory, [
                        category.name, category.slug, category.description, String(category.sortOrder),
                    ]).affectedRows
                }
                logger.info("seeded default data", metadata: [
                    "sensor_types": .stringConvertible(report.sensorTypesAdded),
                    "users": .stringConvertible(report.usersAdded),
                    "product_categories": .stringConvertible(report.productCategoriesAdded),
                ])
                return report
            }
        } catch let error as PostgresError {
            throw MigrationError(code: .seedFailed, message: "loading default data failed and was rolled back", postgres: error)
        } catch {
            throw MigrationError(code: .seedFailed, message: "loading default data failed and was rolled back: \(error)")
        }
    }
}
