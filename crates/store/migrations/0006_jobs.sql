-- Work done after the request that causes it (e-mails, reminders, exports): one row per job,
-- enqueued in the same transaction as that change and claimed by workers with a lease, so a
-- job is neither lost when a server stops nor run twice by two servers.
-- status: 'pending' (waiting, or leased to a worker while locked_until is in the future),
-- 'done', or 'dead' (gave up: kept for an administrator to read).
-- dedupe_key: a scheduler on every server may enqueue the same job; the second insert is a no-op.
CREATE TABLE jobs (
    id {id},
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending',
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
-- Claiming takes the oldest due pending job.
CREATE INDEX jobs_due ON jobs (status, run_at, id);
