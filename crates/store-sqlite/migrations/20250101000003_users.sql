-- Users, their API tokens, and who owns each shipment (keep in step with
-- store-postgres/migrations).

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Lower case, validated by the core (UserName).
    name TEXT NOT NULL UNIQUE,
    -- An argon2 PHC string; NULL for a user who only uses API tokens.
    password_hash TEXT,
    created_at_us INTEGER NOT NULL
) STRICT;

-- Only the SHA-256 of a token is kept: a stolen database gives no usable token.
CREATE TABLE api_tokens (
    token_sha256 BLOB PRIMARY KEY CHECK (length(token_sha256) = 32),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- A row per shipment that has an owner or was archived; shipments created by the command
-- line have none and belong to nobody.
CREATE TABLE shipment_access (
    shipment_id INTEGER PRIMARY KEY REFERENCES shipments (id) ON DELETE CASCADE,
    owner_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    archived_at_us INTEGER
) STRICT;

-- An owner's list, in id order (keyset paging).
CREATE INDEX shipment_access_by_owner ON shipment_access (owner_id, shipment_id);
