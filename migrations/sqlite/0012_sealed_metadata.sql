-- Issue 13, item 4: the registry's ids of a visit, of a booking in flight, of the clinics a person is known
-- in and of a watch, and the Gosuslugi person id, are sealed like the other personal values (AAD: table,
-- column, row). Where a query or a uniqueness rule needs equality, a keyed lookup value stands in for the
-- ids: HMAC-SHA256 under a subkey of the data key, scoped per user (src/store/metadata.rs).
--
-- SQL cannot seal, so the clear values move to metadata_to_seal here, and the store seals them at start-up
-- right after the migrations (Store::seal_metadata), then drops that table. Until then the new columns are
-- NULL. Tables whose clear columns are part of a UNIQUE rule are rebuilt (SQLite cannot drop those columns).
CREATE TABLE metadata_to_seal (
    tbl           TEXT NOT NULL,
    row_id        BIGINT NOT NULL,    -- the row's id (esia_links: user_id)
    user_id       BIGINT NOT NULL,
    lpu_id        BIGINT,
    patient_id    TEXT,
    registry_id   TEXT,
    doctor_id     TEXT,
    slot_id       TEXT,
    specialty_id  TEXT,
    visit_at      BIGINT,
    person        BIGINT,
    seen          TEXT,
    oid           TEXT,
    PRIMARY KEY (tbl, row_id)
);

-- Appointments. Dropping the old table deletes its reminders (ON DELETE CASCADE): they are kept aside and
-- put back under the rebuilt table.
INSERT INTO metadata_to_seal (tbl, row_id, user_id, lpu_id, patient_id, registry_id, doctor_id, slot_id)
SELECT 'appointments', id, user_id, lpu_id, patient_id, registry_id, doctor_id, slot_id FROM appointments;
CREATE TABLE reminders_kept AS SELECT * FROM reminders;
CREATE TABLE appointments_sealed (
    id                 BIGINT PRIMARY KEY,
    user_id            BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    child_id           BIGINT,              -- the child it is for, NULL for the user; no foreign key on purpose
    visit_at           BIGINT NOT NULL,     -- when the visit starts (in clear: see README «Privacy»)
    details            BLOB NOT NULL,       -- sealed JSON of store::AppointmentDetails
    status             TEXT NOT NULL,       -- booked | cancelled
    source             TEXT NOT NULL,       -- bot | registry
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    registry_id_known  BOOLEAN NOT NULL DEFAULT TRUE,
    ids                BLOB,                -- sealed JSON: clinic, patient, registry id (or placeholder), doctor, slot
    registry_key       BLOB                 -- lookup of (clinic, registry id or placeholder), per user
);
INSERT INTO appointments_sealed (id, user_id, child_id, visit_at, details, status, source, created_at,
                                 updated_at, registry_id_known)
SELECT id, user_id, child_id, visit_at, details, status, source, created_at, updated_at, registry_id_known
  FROM appointments;
DROP TABLE appointments;
ALTER TABLE appointments_sealed RENAME TO appointments;
CREATE UNIQUE INDEX appointments_registry_key ON appointments (user_id, registry_key);
CREATE INDEX appointments_by_user_visit ON appointments (user_id, visit_at);
INSERT INTO reminders SELECT * FROM reminders_kept;
DROP TABLE reminders_kept;

-- Bookings in flight: the slot's time goes into the seal too (no query filters by it).
INSERT INTO metadata_to_seal (tbl, row_id, user_id, lpu_id, patient_id, doctor_id, slot_id, visit_at)
SELECT 'booking_intents', id, user_id, lpu_id, patient_id, doctor_id, slot_id, visit_at FROM booking_intents;
CREATE TABLE booking_intents_sealed (
    id          BIGINT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    child_id    BIGINT,               -- the child it is for, NULL for the user
    details     BLOB NOT NULL,        -- sealed JSON of store::AppointmentDetails
    created_at  BIGINT NOT NULL,      -- the last call to /appointment/create
    ids         BLOB,                 -- sealed JSON: clinic, patient, doctor, slot, the slot's start
    slot_key    BLOB                  -- lookup of (clinic, slot), per user
);
INSERT INTO booking_intents_sealed (id, user_id, child_id, details, created_at)
SELECT id, user_id, child_id, details, created_at FROM booking_intents;
DROP TABLE booking_intents;
ALTER TABLE booking_intents_sealed RENAME TO booking_intents;
CREATE UNIQUE INDEX booking_intents_slot_key ON booking_intents (user_id, slot_key);
CREATE INDEX booking_intents_by_created ON booking_intents (created_at);

-- The clinics a person was found in: rows get an id of their own (the old rowid), for the seal to name.
INSERT INTO metadata_to_seal (tbl, row_id, user_id, lpu_id, patient_id, person)
SELECT 'registry_patients', rowid, user_id, lpu_id, patient_id, person FROM registry_patients;
CREATE TABLE registry_patients_sealed (
    id          BIGINT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    person      BIGINT NOT NULL,      -- the child's id, or 0 for the user
    ids         BLOB,                 -- sealed JSON: clinic, patient
    clinic_key  BLOB,                 -- lookup of (person, clinic), per user
    seen_at     BIGINT NOT NULL
);
INSERT INTO registry_patients_sealed (id, user_id, person, seen_at)
SELECT rowid, user_id, person, seen_at FROM registry_patients;
DROP TABLE registry_patients;
ALTER TABLE registry_patients_sealed RENAME TO registry_patients;
CREATE UNIQUE INDEX registry_patients_clinic_key ON registry_patients (user_id, clinic_key);

-- Slot watches: the ids, and the free slots last seen (registry ids of that doctor's slots).
INSERT INTO metadata_to_seal (tbl, row_id, user_id, lpu_id, specialty_id, doctor_id, seen)
SELECT 'slot_watches', id, user_id, lpu_id, specialty_id, doctor_id, seen FROM slot_watches;
CREATE TABLE slot_watches_sealed (
    id             BIGINT PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ids            BLOB,                  -- sealed JSON: clinic, specialty, doctor ('' for any)
    watch_key      BLOB,                  -- lookup of (clinic, specialty, doctor), per user
    labels         BLOB NOT NULL,         -- sealed JSON of store::WatchLabels
    seen           BLOB,                  -- sealed JSON array of the free slot ids last seen
    next_check_at  BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
INSERT INTO slot_watches_sealed (id, user_id, labels, next_check_at, expires_at, created_at)
SELECT id, user_id, labels, next_check_at, expires_at, created_at FROM slot_watches;
DROP TABLE slot_watches;
ALTER TABLE slot_watches_sealed RENAME TO slot_watches;
CREATE UNIQUE INDEX slot_watches_watch_key ON slot_watches (user_id, watch_key);
CREATE INDEX slot_watches_due ON slot_watches (next_check_at);

-- The Gosuslugi person id: sealed, and a lookup of it (not per user: one person moves between users).
INSERT INTO metadata_to_seal (tbl, row_id, user_id, oid)
SELECT 'esia_links', user_id, user_id, oid FROM esia_links;
DROP INDEX esia_links_oid;
ALTER TABLE esia_links DROP COLUMN oid;
ALTER TABLE esia_links ADD COLUMN oid BLOB;        -- sealed
ALTER TABLE esia_links ADD COLUMN oid_key BLOB;    -- lookup of the person id
CREATE INDEX esia_links_oid_key ON esia_links (oid_key);
