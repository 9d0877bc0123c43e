-- Users, their language and consent, and persistent dialogue state.
-- Instants are Unix seconds bound from Rust; personal values are sealed blobs (see src/store/crypto.rs).
CREATE TABLE users (
    id          BIGINT PRIMARY KEY,   -- Telegram user id
    lang        TEXT,                 -- an explicit /language choice; NULL follows Telegram's language_code
    consent_at  BIGINT,               -- when the personal-data notice was accepted
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE dialogues (
    chat_id     BIGINT PRIMARY KEY,
    state       BLOB NOT NULL,        -- sealed JSON of bot::State
    version     BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL
);
