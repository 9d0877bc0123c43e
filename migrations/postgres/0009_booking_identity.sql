-- The registry knows a booking made through the bot by (clinic, doctor, start) until its own appointmentId
-- is learned from /appointments (the slot id sent to /appointment/create is not that id). Until then
-- registry_id holds 'slot:' || the slot id (unique per clinic, never a registry id) and registry_id_known
-- is false; the sync or the booking itself learns the real id and sets it.
ALTER TABLE appointments ADD COLUMN doctor_id TEXT;   -- the registry's doctor id, when known
ALTER TABLE appointments ADD COLUMN slot_id TEXT;     -- the slot booked through the bot
ALTER TABLE appointments ADD COLUMN registry_id_known BOOLEAN NOT NULL DEFAULT TRUE;
-- Bookings made before this release stored the slot id as their registry id: learn theirs too.
UPDATE appointments SET slot_id = registry_id, registry_id = 'slot:' || registry_id, registry_id_known = FALSE
 WHERE source = 'bot';

-- A booking the bot is about to ask the registry for, recorded before /appointment/create is called. When
-- the answer is lost (a timeout, a crash, a restart), the intent stays, and the sync asks that clinic's
-- /appointments for the patient: found, it becomes an appointment with reminders and the user is told;
-- not found after a grace period, the user is told the booking did not go through.
CREATE TABLE booking_intents (
    id          BIGINT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    child_id    BIGINT,               -- the child it is for, NULL for the user
    lpu_id      BIGINT NOT NULL,
    patient_id  TEXT NOT NULL,        -- the patient's id in that clinic
    doctor_id   TEXT NOT NULL,
    slot_id     TEXT NOT NULL,
    visit_at    BIGINT NOT NULL,      -- the slot's start (Unix seconds)
    details     BYTEA NOT NULL,        -- sealed JSON of store::AppointmentDetails
    created_at  BIGINT NOT NULL,      -- the last call to /appointment/create
    UNIQUE (user_id, lpu_id, slot_id)
);
CREATE INDEX booking_intents_by_created ON booking_intents (created_at);

-- Every clinic a person was found in (/patient/search), so the sync also asks clinics where the bot holds
-- no visit yet (a visit booked by phone, a booking whose answer was lost). person is the child's id, or 0
-- for the user.
CREATE TABLE registry_patients (
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    person      BIGINT NOT NULL,
    lpu_id      BIGINT NOT NULL,
    patient_id  TEXT NOT NULL,
    seen_at     BIGINT NOT NULL,
    PRIMARY KEY (user_id, person, lpu_id)
);
