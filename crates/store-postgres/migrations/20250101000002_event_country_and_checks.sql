-- Event country, and the watchdog's bookkeeping on shipments (keep in step with
-- store-sqlite/migrations).

-- The ISO 3166 alpha-2 country an event happened in, when the source says.
ALTER TABLE events ADD COLUMN country TEXT;

-- Bumped by every change that makes a shipment due; an evaluation records the revision it
-- read, so a change made while it ran leaves the shipment due.
ALTER TABLE shipments ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
-- When the watchdog must look at the shipment next: 0 (due at once) after any change and for
-- new and existing shipments; NULL once nothing but a change can alter its verdict.
ALTER TABLE shipments ADD COLUMN next_check_at_us BIGINT DEFAULT 0;
ALTER TABLE shipments ADD COLUMN checked_at_us BIGINT;
-- The caller's summary of the last evaluation (JSON), opaque to the store.
ALTER TABLE shipments ADD COLUMN check_summary TEXT;

-- The due queue; finished shipments (NULL) stay out of it.
CREATE INDEX shipments_due ON shipments (next_check_at_us, id)
    WHERE next_check_at_us IS NOT NULL;

-- Ingest inserts events only for shipments it has locked FOR UPDATE in the same transaction,
-- so they exist until it commits: the foreign key's per-row check (about half the cost of an
-- ingest) buys nothing. Deleting a shipment still takes its events with it, by trigger.
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_shipment_id_fkey;

CREATE FUNCTION delete_shipment_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM events WHERE shipment_id = OLD.id;
    RETURN OLD;
END
$$;

CREATE TRIGGER shipments_delete_events AFTER DELETE ON shipments
    FOR EACH ROW EXECUTE FUNCTION delete_shipment_events();
