-- The background sync with the registry's /appointments: when each user's visits are next compared with
-- the registry's list. NULL means "as soon as the user has a recent visit". A worker claims a user by moving
-- this time one interval on, so that two instances never ask about the same user at once.
ALTER TABLE users ADD COLUMN registry_sync_at BIGINT;

-- Telegram's language_code as last seen (ru or en), for messages the bot sends by itself (reminders, sync
-- notices) to users who never chose a language with /language.
ALTER TABLE users ADD COLUMN telegram_lang TEXT;
