-- «Сообщить, когда появятся талоны»: a user waits for free slots of one doctor, or of any doctor of a
-- specialty, at one clinic. A worker claims due watches by moving next_check_at one WATCH_INTERVAL on, looks
-- at the free slots, and tells the user when slots appear that it has not told them of (seen).
CREATE TABLE slot_watches (
    id             BIGINT PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    lpu_id         BIGINT NOT NULL,
    specialty_id   TEXT NOT NULL,
    doctor_id      TEXT NOT NULL,         -- '' for any doctor of the specialty
    labels         BYTEA NOT NULL,         -- sealed JSON of store::WatchLabels (clinic, specialty, doctor names)
    seen           TEXT NOT NULL,         -- JSON array of the free slot ids last seen (opaque registry ids)
    next_check_at  BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (user_id, lpu_id, specialty_id, doctor_id)
);
CREATE INDEX slot_watches_due ON slot_watches (next_check_at);
