-- Event country, and the watchdog's bookkeeping on shipments (keep in step with
-- store-postgres/migrations).

-- The ISO 3166 alpha-2 country an event happened in, when the source says.
ALTER TABLE events ADD COLUMN country TEXT;

-- Bumped by every change that makes a shipment due; an evaluation records the revision it
-- read, so a change made while it ran leaves the shipment due.
ALTER TABLE shipments ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
-- When the watchdog must look at the shipment next: 0 (due at once) after any change and for
-- new and existing shipments; NULL once nothing but a change can alter its verdict.
ALTER TABLE shipments ADD COLUMN next_check_at_us INTEGER DEFAULT 0;
ALTER TABLE shipments ADD COLUMN checked_at_us INTEGER;
-- The caller's summary of the last evaluation (JSON), opaque to the store.
ALTER TABLE shipments ADD COLUMN check_summary TEXT;

-- The due queue; finished shipments (NULL) stay out of it.
CREATE INDEX shipments_due ON shipments (next_check_at_us, id)
    WHERE next_check_at_us IS NOT NULL;
