-- Rate limits shared by every server of one PostgreSQL database (store::rate_limits): per
-- limit and client address, the theoretical arrival time of the next request (GCRA), in ms.
-- A row whose time has passed says nothing more than no row and is swept away.
CREATE TABLE rate_limits (
    bucket TEXT NOT NULL,
    client TEXT NOT NULL,
    tat BIGINT NOT NULL,
    PRIMARY KEY (bucket, client)
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);
