-- Children a user added (the portal's «Родственники»), and who the user acts for («Я» or a child).
-- Personal values are sealed blobs bound to table, column and child id (see src/store/crypto.rs); the child
-- id is generated in Rust so the seal can name it. Sex and relation are plain codes: they identify nobody.
CREATE TABLE children (
    id          BIGINT PRIMARY KEY,   -- random positive, below 2^53
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    full_name   BLOB NOT NULL,        -- sealed «Фамилия Имя Отчество»
    birth_date  BLOB NOT NULL,        -- sealed YYYY-MM-DD
    sex         TEXT NOT NULL,        -- male | female
    relation    TEXT NOT NULL,        -- son | daughter
    policy      BLOB NOT NULL,        -- sealed JSON of domain::PolicyNumber
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX children_by_user ON children (user_id);

-- The person the user books for; NULL is the user («Я»). No foreign key: deleting a child resets it in the
-- same transaction (store/children.rs), and a cycle users ⇄ children would complicate deleting a user.
ALTER TABLE users ADD COLUMN active_child_id BIGINT;
