-- ESIA_URL=off (issue 14): without Gosuslugi, users type their own ФИО, date of birth and OMS policy once; the
-- bot books with them. One row per user, gone with the user (/forget). Personal values are sealed blobs bound
-- to table, column and user id (see src/store/crypto.rs). Numbered 0015 to leave room for migrations being
-- written beside it.
CREATE TABLE self_details (
    user_id     BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    full_name   BYTEA NOT NULL,       -- sealed «Фамилия Имя Отчество»
    birth_date  BYTEA NOT NULL,       -- sealed YYYY-MM-DD
    policy      BYTEA NOT NULL,       -- sealed JSON of domain::PolicyNumber
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
