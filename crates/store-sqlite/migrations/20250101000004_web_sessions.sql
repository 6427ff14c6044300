-- Web sessions: a browser's login (keep in step with store-postgres/migrations).
-- Only the SHA-256 of the cookie's secret is kept: a copy of the database opens no session.
CREATE TABLE web_sessions (
    secret_sha256 BLOB PRIMARY KEY CHECK (length(secret_sha256) = 32),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at_us INTEGER NOT NULL,
    expires_at_us INTEGER NOT NULL,
    -- The browser's IANA time zone, for showing times; NULL if it did not say.
    time_zone TEXT
) STRICT, WITHOUT ROWID;

-- Expired sessions are swept by expiry.
CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at_us);
