-- The customs desk (keep in step with store-postgres/migrations): operators, imported
-- batches, each parcel's request, the audit log of reads of identity data, destruction
-- records. Personal data are stored only sealed by the server's vault (key id, wrapped data
-- key, ciphertext); flow, code and delivery are the server's JSON.

CREATE TABLE customs_operators (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    added_at_us INTEGER NOT NULL
);

CREATE TABLE customs_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at_us INTEGER NOT NULL
);

CREATE TABLE customs_parcels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id INTEGER NOT NULL REFERENCES customs_batches (id),
    record_key TEXT NOT NULL UNIQUE,
    tracking_number TEXT NOT NULL,
    goods TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL,
    contact_key_id TEXT,
    contact_wrapped BLOB,
    contact_ct BLOB,
    token_hash BLOB UNIQUE,
    token_key_id TEXT,
    token_wrapped BLOB,
    token_ct BLOB,
    token_expires_at_us INTEGER,
    arrived_at_us INTEGER,
    flow TEXT,
    next_wake_at_us INTEGER,
    lease_until_us INTEGER,
    identity_key_id TEXT,
    identity_wrapped BLOB,
    identity_ct BLOB,
    consent_at_us INTEGER,
    consent_version TEXT,
    code TEXT,
    delivery TEXT,
    ended_kind TEXT,
    ended_at_us INTEGER,
    destroy_at_us INTEGER,
    destroyed_at_us INTEGER
);

CREATE INDEX customs_parcels_by_batch ON customs_parcels (batch_id, id);
CREATE INDEX customs_parcels_wake ON customs_parcels (next_wake_at_us) WHERE destroyed_at_us IS NULL;
CREATE INDEX customs_parcels_destroy ON customs_parcels (destroy_at_us) WHERE destroyed_at_us IS NULL;

CREATE TABLE customs_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parcel_id INTEGER NOT NULL REFERENCES customs_parcels (id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    at_us INTEGER NOT NULL
);

-- No personal data: ids, categories, grounds, instants.
CREATE TABLE customs_destructions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parcel_id INTEGER NOT NULL REFERENCES customs_parcels (id),
    batch_id INTEGER NOT NULL REFERENCES customs_batches (id),
    categories TEXT NOT NULL,
    grounds TEXT NOT NULL,
    ended_at_us INTEGER NOT NULL,
    destroyed_at_us INTEGER NOT NULL
);
