-- Issue 16: a slot watch belongs to a person (the user, or one of their children) and has a window (dates,
-- weekdays, time of day, minimum notice), may book by itself (auto_book) and move a later visit earlier
-- (rebook_earlier), can be paused, and keeps its history (last check, last find, the visit it booked).
--
-- child_id: the child the watch is for, NULL for the user; a forgotten child's watches go with it.
-- target_key: a keyed lookup of (clinic, specialty, doctor) NOT scoped per user, so that the worker can
-- check every watch of one doctor with one registry request and keep them due together. It tells a reader
-- of the database only that two watches wait for the same target, not which.
-- slot_window, skipped: sealed JSON (domain::WatchWindow; the slot ids the user skipped), NULL for none.
-- status: active | paused | booking (an auto-booking in flight, claimed by one worker) | booked | expired.
ALTER TABLE slot_watches ADD COLUMN child_id BIGINT REFERENCES children(id) ON DELETE CASCADE;
ALTER TABLE slot_watches ADD COLUMN target_key BLOB;
ALTER TABLE slot_watches ADD COLUMN slot_window BLOB;
ALTER TABLE slot_watches ADD COLUMN skipped BLOB;
ALTER TABLE slot_watches ADD COLUMN auto_book BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE slot_watches ADD COLUMN rebook_earlier BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE slot_watches ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE slot_watches ADD COLUMN status_at BIGINT;
ALTER TABLE slot_watches ADD COLUMN last_checked_at BIGINT;
ALTER TABLE slot_watches ADD COLUMN last_found_at BIGINT;
ALTER TABLE slot_watches ADD COLUMN appointment_id BIGINT;

-- One watch per person and target (a mother and her son may both wait for the same doctor).
DROP INDEX slot_watches_watch_key;
CREATE UNIQUE INDEX slot_watches_person_watch_key ON slot_watches (user_id, COALESCE(child_id, 0), watch_key);
CREATE INDEX slot_watches_target ON slot_watches (target_key);
CREATE INDEX slot_watches_by_child ON slot_watches (child_id);
