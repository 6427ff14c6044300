-- Posylka store schema, SQLite flavour (keep in step with store-postgres/migrations).
-- Instants are microseconds since the Unix epoch (*_at_us) next to the offset the source
-- reported them in, in seconds east of UTC (*_offset_s). Keys are snake_case text.

CREATE TABLE shipments (
    -- AUTOINCREMENT: ids of deleted shipments are never handed out again.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at_us INTEGER NOT NULL,
    -- Cached status, recomputed in the same transaction as the events that change it.
    status_milestone TEXT,
    status_side TEXT,
    status_reason TEXT,
    status_at_us INTEGER,
    status_offset_s INTEGER,
    -- The newest event's instant: events after it update the status without a re-read.
    last_event_at_us INTEGER,
    event_count INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE shipment_numbers (
    shipment_id INTEGER NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    leg TEXT NOT NULL CHECK (leg IN ('through', 'first_mile', 'last_mile')),
    linked_at_us INTEGER NOT NULL,
    PRIMARY KEY (shipment_id, number)
) STRICT;

CREATE INDEX shipment_numbers_by_number ON shipment_numbers (number, linked_at_us);

CREATE TABLE orders (
    shipment_id INTEGER PRIMARY KEY REFERENCES shipments (id) ON DELETE CASCADE,
    marketplace TEXT NOT NULL,
    order_number TEXT NOT NULL,
    placed_at_us INTEGER,
    placed_offset_s INTEGER,
    shipped_at_us INTEGER,
    shipped_offset_s INTEGER,
    price_cents INTEGER,
    currency TEXT,
    protection_days INTEGER,
    dest_country TEXT,
    dest_city TEXT,
    dest_postcode TEXT,
    seller_contacted_at_us INTEGER,
    seller_contacted_offset_s INTEGER,
    seller_replied_at_us INTEGER,
    seller_replied_offset_s INTEGER,
    dispute_opened_at_us INTEGER,
    dispute_opened_offset_s INTEGER
) STRICT;

CREATE TABLE protection_extensions (
    shipment_id INTEGER NOT NULL REFERENCES orders (shipment_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    days INTEGER NOT NULL,
    granted_at_us INTEGER,
    granted_offset_s INTEGER,
    PRIMARY KEY (shipment_id, seq)
) STRICT;

-- One row per source record; records are merged into timeline events when read.
CREATE TABLE events (
    shipment_id INTEGER NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    fingerprint INTEGER NOT NULL,
    number TEXT NOT NULL,
    at_us INTEGER NOT NULL,
    offset_s INTEGER NOT NULL,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    code TEXT,
    location TEXT,
    milestone TEXT NOT NULL,
    side TEXT,
    reason TEXT,
    -- Idempotent ingestion: the same record twice is stored once. The key is also the
    -- clustering order (WITHOUT ROWID): one B-tree per row instead of two.
    PRIMARY KEY (shipment_id, fingerprint)
) STRICT, WITHOUT ROWID;
