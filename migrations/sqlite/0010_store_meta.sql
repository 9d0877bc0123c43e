-- A sealed check value that only the data key opens: start-up refuses a key that does not open this
-- database's data (a lost or replaced key file, a wrong DATA_KEY), and key rotation re-seals it with the rest.
CREATE TABLE store_meta (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL      -- sealed (AAD: store_meta, value, name)
);
