-- The poll queue: which numbers each source polls and when, with leases; and the ids of
-- pushed events already received (keep in step with store-postgres/migrations).

-- Numbers linked to a shipment and not routed to their sources yet. A trigger fills it in the
-- same transaction as the link, whoever makes it (a user, the mail import, a source revealing
-- a last-mile number). A number linked again (S10 numbers are reused after 12 months) comes
-- back with its newer link time.
CREATE TABLE poll_unrouted (
    number TEXT PRIMARY KEY,
    linked_at_us INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX poll_unrouted_by_link ON poll_unrouted (linked_at_us, number);

CREATE TRIGGER shipment_numbers_to_route AFTER INSERT ON shipment_numbers
BEGIN
    INSERT INTO poll_unrouted (number, linked_at_us) VALUES (NEW.number, NEW.linked_at_us)
    ON CONFLICT (number) DO UPDATE
        SET linked_at_us = max(linked_at_us, excluded.linked_at_us);
END;

-- Numbers already stored wait for routing like new ones.
INSERT INTO poll_unrouted (number, linked_at_us)
    SELECT number, max(linked_at_us) FROM shipment_numbers GROUP BY number;

-- One row per (source, number). `next_poll_at_us` is when it is due; while a poller holds it,
-- the lease's end (so an abandoned claim comes back by itself); NULL once polling stopped.
CREATE TABLE poll_queue (
    source TEXT NOT NULL,
    number TEXT NOT NULL,
    -- When tracking started: silence is counted from it until the first event.
    since_us INTEGER NOT NULL,
    next_poll_at_us INTEGER,
    -- The holder's lease; a completion with another token is ignored.
    lease_token INTEGER,
    -- "Refresh now" arrived while leased: due at once after the completion.
    refresh INTEGER NOT NULL DEFAULT 0 CHECK (refresh IN (0, 1)),
    -- Milestone key and instant of the newest event from this source.
    status TEXT,
    last_event_at_us INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    -- The last failure, for display (no secrets, no bodies).
    last_error TEXT,
    polls INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, number)
) STRICT;

-- The claim order per source; stopped entries stay out.
CREATE INDEX poll_queue_due ON poll_queue (source, next_poll_at_us)
    WHERE next_poll_at_us IS NOT NULL;
CREATE INDEX poll_queue_by_number ON poll_queue (number);

-- A number no shipment has any more is neither polled nor routed.
CREATE TRIGGER shipment_numbers_unqueue AFTER DELETE ON shipment_numbers
WHEN NOT EXISTS (SELECT 1 FROM shipment_numbers WHERE number = OLD.number)
BEGIN
    DELETE FROM poll_queue WHERE number = OLD.number;
    DELETE FROM poll_unrouted WHERE number = OLD.number;
END;

-- Lease tokens: one per claim, never reused.
CREATE TABLE poll_lease_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL
) STRICT;
INSERT INTO poll_lease_counter (id, last) VALUES (1, 0);

-- Pushed events already received, by the sender's id: a push delivered twice is stored once.
CREATE TABLE push_receipts (
    source TEXT NOT NULL,
    event_id TEXT NOT NULL,
    received_at_us INTEGER NOT NULL,
    PRIMARY KEY (source, event_id)
) STRICT, WITHOUT ROWID;
