-- Gosuslugi logins bound to the browser of the Telegram user who started them (issue 13), and ESIA's error
-- codes counted for /metrics (issue 14). Instants are Unix seconds bound from Rust.

-- One row per click on a login button (`/esia/start`): the state sent to ESIA for that click, and how the
-- browser is bound to the login: 'cookie' (Telegram's login data was checked; the callback needs the cookie,
-- whose SHA-256 is kept), 'code' (the callback shows a one-time code to type in the chat) or 'demo_chat' (the
-- demo's login inside the chat, test persons only).
CREATE TABLE esia_login_attempts (
    esia_state  TEXT PRIMARY KEY,      -- a random UUID v4, sent to ESIA
    login       TEXT NOT NULL REFERENCES esia_logins(state) ON DELETE CASCADE,
    binding     TEXT NOT NULL,
    cookie_hash BLOB,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX esia_login_attempts_login ON esia_login_attempts (login);

-- A login that came back without proof of its browser: the person's data waits here, sealed together with
-- its one-time code, until the code is typed in the chat that started the login. One per user.
CREATE TABLE esia_pending_links (
    user_id     BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    sealed      BLOB NOT NULL,         -- sealed JSON {code, link, unread}
    attempts    BIGINT NOT NULL,      -- codes typed so far
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- ESIA-NNNNNN codes ESIA answered with, counted (no personal data).
CREATE TABLE esia_error_counts (
    code     TEXT PRIMARY KEY,        -- ESIA-007053
    kind     TEXT NOT NULL,           -- declined | retry | configuration | unavailable | other
    count    BIGINT NOT NULL,
    last_at  BIGINT NOT NULL
);

-- ESIA's refresh tokens were kept but never used: they go.
UPDATE esia_links SET refresh_token = NULL;

-- One Gosuslugi person is linked to at most one Telegram user: a new login of the person moves the link
-- (Store::link_esia_person). The rule is kept by the login path, not by a unique index, because links
-- written before it (and the store's own tests) may share an oid.
CREATE INDEX esia_links_oid ON esia_links (oid);
