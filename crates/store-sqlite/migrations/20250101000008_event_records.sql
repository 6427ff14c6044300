-- Each event row keeps its record as one JSON array, written once at ingest, instead of a
-- column per field (SQLite only; store-postgres keeps its columns).
--
-- Why: a bulk read (the watchdog over every shipment) hands millions of events from SQLite to
-- Rust. sqlx's cost per result row made the adapter fold them into JSON in SQL
-- (`json_group_array(json_array(...))`), and building that JSON was most of SQLite's share of
-- a run. Kept ready, the records of a block of shipments are only concatenated
-- (`group_concat(record, ',')`): about a third of SQLite's CPU time per event read.
--
-- The record is `[shipment_id, number, at_us, offset_s, source, text, code, location, country,
-- milestone, side, reason]` (`EventRecordJson` in src/lib.rs), the columns it replaces in their
-- order; the key stays in columns for idempotent ingestion. Nothing but bulk reads and the
-- status re-read of an out-of-order event reads the fields, so no other column is kept.

CREATE TABLE event_records (
    shipment_id INTEGER NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    fingerprint INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (shipment_id, fingerprint)
) STRICT, WITHOUT ROWID;

INSERT INTO event_records (shipment_id, fingerprint, record)
SELECT shipment_id, fingerprint,
       json_array(shipment_id, number, at_us, offset_s, source, text, code, location, country,
                  milestone, side, reason)
FROM events
ORDER BY shipment_id, fingerprint;

DROP TABLE events;
ALTER TABLE event_records RENAME TO events;
