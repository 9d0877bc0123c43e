-- Gosuslugi (ESIA): pending logins and the link of a Telegram user to their ESIA account.
-- Instants are Unix seconds bound from Rust; personal values are sealed blobs bound to table, column and
-- user_id (see src/store/crypto.rs).

-- One row per «Войти через Госуслуги»: the OAuth state, single use, valid for 10 minutes.
CREATE TABLE esia_logins (
    state       TEXT PRIMARY KEY,     -- a random UUID v4
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    lang        TEXT NOT NULL,        -- the user's language when they pressed the button (for the page)
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT                -- set once, when the callback consumed it
);
CREATE INDEX esia_logins_expires_at ON esia_logins (expires_at);

CREATE TABLE esia_links (
    user_id       BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    oid           TEXT NOT NULL,      -- ESIA's person id
    trusted       BOOLEAN NOT NULL,   -- a confirmed account (may book)
    level         TEXT NOT NULL,      -- confirmed | not_confirmed | verifying
    full_name     BLOB NOT NULL,      -- sealed
    birth_date    BLOB,               -- sealed, YYYY-MM-DD
    sex           TEXT,               -- male | female
    policy        BLOB,               -- sealed JSON {kind, series, number}
    insurer       BLOB,               -- sealed
    attachment    BLOB,               -- sealed
    kids          BLOB NOT NULL,      -- sealed JSON list
    refresh_token BLOB,               -- sealed; only for confirmed accounts
    linked_at     BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
