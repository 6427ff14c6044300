-- Notifications: users' channels, the delivery planner's memory, the outbox, and leases on the
-- watchdog's work (keep in step with store-postgres/migrations).

CREATE TABLE notify_channels (
    -- AUTOINCREMENT: a deleted channel's id is never handed out again, so its idempotency
    -- keys (which contain the id) can never recur.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'webhook', 'telegram')),
    label TEXT NOT NULL,
    -- An address, a URL or a chat id: personal data.
    target TEXT NOT NULL,
    -- A webhook's signing secret, sealed by the server (never stored plain).
    secret_sealed BLOB,
    -- Which findings it wants: the server's JSON, opaque to the store.
    subscription TEXT NOT NULL,
    lang TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    disabled_at_us INTEGER,
    last_error TEXT
);

CREATE INDEX notify_channels_by_owner ON notify_channels (owner_id, id);

-- The planner's memory version per shipment: a plan is stored only over the version it read.
CREATE TABLE notify_plans (
    shipment_id INTEGER PRIMARY KEY REFERENCES shipments (id) ON DELETE CASCADE,
    version INTEGER NOT NULL
);

-- What was planned per (shipment, channel, finding code): the server's JSON.
CREATE TABLE notify_records (
    shipment_id INTEGER NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL REFERENCES notify_channels (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (shipment_id, channel_id, code)
);

CREATE INDEX notify_records_by_channel ON notify_records (channel_id);

-- Deliveries. Sent rows stay: their unique key is what keeps a message from going out twice.
CREATE TABLE notify_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    channel_id INTEGER NOT NULL REFERENCES notify_channels (id) ON DELETE CASCADE,
    shipment_id INTEGER REFERENCES shipments (id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at_us INTEGER NOT NULL,
    next_attempt_at_us INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until_us INTEGER,
    finished_at_us INTEGER,
    last_error TEXT
);

-- The send queue; finished rows stay out of it.
CREATE INDEX notify_outbox_due ON notify_outbox (next_attempt_at_us, id) WHERE state = 'pending';
CREATE INDEX notify_outbox_by_channel ON notify_outbox (channel_id, id);

-- Who is checking a shipment, until when: two instances never run the watchdog on one
-- shipment at once.
CREATE TABLE watchdog_leases (
    shipment_id INTEGER PRIMARY KEY REFERENCES shipments (id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    lease_until_us INTEGER NOT NULL
);
