-- «Подтвердить» taps already acted on: a booking step's token is claimed once, so a double tap (or two
-- instances handling the same chat) books once. Rows are pruned after a day.
CREATE TABLE booking_claims (
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token       BIGINT NOT NULL,
    claimed_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, token)
);
CREATE INDEX booking_claims_by_time ON booking_claims (claimed_at);
