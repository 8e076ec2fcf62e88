// Alerts: see Package.swift for this module's place in the data flow.
