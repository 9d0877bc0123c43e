-- Appointments the bot knows about (booked here or synced from the registry) and their reminders.
-- Instants are Unix seconds (UTC) bound from Rust; ids are random positive integers below 2^53 generated in
-- Rust, so sealed values can be bound to their row (see src/store/crypto.rs).
CREATE TABLE appointments (
    id           BIGINT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    child_id     BIGINT,               -- the child it is for, NULL for the user; no foreign key on purpose
    lpu_id       BIGINT NOT NULL,      -- the clinic
    patient_id   TEXT NOT NULL,        -- the patient's id in that clinic
    registry_id  TEXT NOT NULL,        -- the registry's appointment (slot) id
    visit_at     BIGINT NOT NULL,      -- when the visit starts
    details      BYTEA NOT NULL,        -- sealed JSON of store::AppointmentDetails
    status       TEXT NOT NULL,        -- booked | cancelled
    source       TEXT NOT NULL,        -- bot | registry
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (user_id, lpu_id, registry_id)
);
CREATE INDEX appointments_by_user_visit ON appointments (user_id, visit_at);

-- One row per reminder to send. A worker claims due rows by setting lease_until; a row is sent once because
-- only a pending row can be marked sent, and a lease that ran out (a crash between claim and send) is claimed
-- again.
CREATE TABLE reminders (
    id              BIGINT PRIMARY KEY,
    appointment_id  BIGINT NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL,  -- the chat to send to (Telegram private chat id = user id)
    offset_secs     BIGINT NOT NULL,  -- how long before the visit
    due_at          BIGINT NOT NULL,
    status          TEXT NOT NULL,    -- pending | sent | failed
    lease_until     BIGINT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_try_at     BIGINT,
    sent_at         BIGINT,
    last_error      TEXT,             -- an error kind, never personal data
    UNIQUE (appointment_id, offset_secs)
);
CREATE INDEX reminders_by_status_due ON reminders (status, due_at);

-- Reminder settings: off, or the offsets chosen (NULL follows REMINDERS), e.g. "86400,7200".
ALTER TABLE users ADD COLUMN reminders_enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN reminder_offsets TEXT;
