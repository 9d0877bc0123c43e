-- The demo registry's bookings (REGISTRY_URL=demo): the sandbox's own data, like a real registry's, so it
-- is not tied to a Telegram user. A booked slot is taken until the booking is cancelled (the row deleted).
-- Instants are Unix seconds; the patient's name and birth date are sealed blobs (AAD: table, column, id).
CREATE TABLE demo_bookings (
    id                 TEXT PRIMARY KEY,
    lpu_id             BIGINT NOT NULL,
    appointment_id     TEXT NOT NULL,       -- the slot id
    doctor_id          TEXT NOT NULL,
    specialty_id       TEXT NOT NULL,
    patient_id         TEXT NOT NULL,       -- the patient's id in that clinic
    patient_full_name  BLOB NOT NULL,
    patient_birth_date BLOB NOT NULL,
    visit_start        BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    UNIQUE (lpu_id, appointment_id)
);

CREATE INDEX demo_bookings_patient ON demo_bookings (lpu_id, patient_id, visit_start);
CREATE INDEX demo_bookings_doctor ON demo_bookings (lpu_id, doctor_id, visit_start);
