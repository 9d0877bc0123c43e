-- Issue 13, item 4: the registry's ids of a visit, of a booking in flight, of the clinics a person is known
-- in and of a watch, and the Gosuslugi person id, are sealed like the other personal values (AAD: table,
-- column, row). Where a query or a uniqueness rule needs equality, a keyed lookup value stands in for the
-- ids: HMAC-SHA256 under a subkey of the data key, scoped per user (src/store/metadata.rs).
--
-- SQL cannot seal, so the clear values move to metadata_to_seal here, and the store seals them at start-up
-- right after the migrations (Store::seal_metadata), then drops that table. Until then the new columns are
-- NULL. Dropping a column also drops the UNIQUE rules and indexes that named it.
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

-- Appointments. visit_at stays in clear (see README «Privacy»).
INSERT INTO metadata_to_seal (tbl, row_id, user_id, lpu_id, patient_id, registry_id, doctor_id, slot_id)
SELECT 'appointments', id, user_id, lpu_id, patient_id, registry_id, doctor_id, slot_id FROM appointments;
ALTER TABLE appointments
    DROP COLUMN lpu_id, DROP COLUMN patient_id, DROP COLUMN registry_id, DROP COLUMN doctor_id,
    DROP COLUMN slot_id,
    ADD COLUMN ids BYTEA,             -- sealed JSON: clinic, patient, registry id (or placeholder), doctor, slot
    ADD COLUMN registry_key BYTEA;    -- lookup of (clinic, registry id or placeholder), per user
CREATE UNIQUE INDEX appointments_registry_key ON appointments (user_id, registry_key);

-- Bookings in flight: the slot's time goes into the seal too (no query filters by it).
INSERT INTO metadata_to_seal (tbl, row_id, user_id, lpu_id, patient_id, doctor_id, slot_id, visit_at)
SELECT 'booking_intents', id, user_id, lpu_id, patient_id, doctor_id, slot_id, visit_at FROM booking_intents;
ALTER TABLE booking_intents
    DROP COLUMN lpu_id, DROP COLUMN patient_id, DROP COLUMN doctor_id, DROP COLUMN slot_id,
    DROP COLUMN visit_at,
    ADD COLUMN ids BYTEA,             -- sealed JSON: clinic, patient, doctor, slot, the slot's start
    ADD COLUMN slot_key BYTEA;        -- lookup of (clinic, slot), per user
CREATE UNIQUE INDEX booking_intents_slot_key ON booking_intents (user_id, slot_key);

-- The clinics a person was found in: rows get an id of their own, for the seal to name.
ALTER TABLE registry_patients ADD COLUMN id BIGINT;
UPDATE registry_patients r SET id = n.rn
  FROM (SELECT ctid, row_number() OVER () AS rn FROM registry_patients) n
 WHERE r.ctid = n.ctid;
INSERT INTO metadata_to_seal (tbl, row_id, user_id, lpu_id, patient_id, person)
SELECT 'registry_patients', id, user_id, lpu_id, patient_id, person FROM registry_patients;
ALTER TABLE registry_patients
    DROP CONSTRAINT registry_patients_pkey,
    DROP COLUMN lpu_id, DROP COLUMN patient_id,
    ALTER COLUMN id SET NOT NULL,
    ADD PRIMARY KEY (id),
    ADD COLUMN ids BYTEA,             -- sealed JSON: clinic, patient
    ADD COLUMN clinic_key BYTEA;      -- lookup of (person, clinic), per user
CREATE UNIQUE INDEX registry_patients_clinic_key ON registry_patients (user_id, clinic_key);

-- Slot watches: the ids, and the free slots last seen (registry ids of that doctor's slots).
INSERT INTO metadata_to_seal (tbl, row_id, user_id, lpu_id, specialty_id, doctor_id, seen)
SELECT 'slot_watches', id, user_id, lpu_id, specialty_id, doctor_id, seen FROM slot_watches;
ALTER TABLE slot_watches
    DROP COLUMN lpu_id, DROP COLUMN specialty_id, DROP COLUMN doctor_id, DROP COLUMN seen,
    ADD COLUMN ids BYTEA,             -- sealed JSON: clinic, specialty, doctor ('' for any)
    ADD COLUMN watch_key BYTEA,       -- lookup of (clinic, specialty, doctor), per user
    ADD COLUMN seen BYTEA;            -- sealed JSON array of the free slot ids last seen
CREATE UNIQUE INDEX slot_watches_watch_key ON slot_watches (user_id, watch_key);

-- The Gosuslugi person id: sealed, and a lookup of it (not per user: one person moves between users).
INSERT INTO metadata_to_seal (tbl, row_id, user_id, oid)
SELECT 'esia_links', user_id, user_id, oid FROM esia_links;
ALTER TABLE esia_links
    DROP COLUMN oid,
    ADD COLUMN oid BYTEA,             -- sealed
    ADD COLUMN oid_key BYTEA;         -- lookup of the person id
CREATE INDEX esia_links_oid_key ON esia_links (oid_key);
