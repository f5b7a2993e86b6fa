-- What the portal tells each user (status changes of their dossiers), newest first.
CREATE TABLE notifications (
    id {id},
    user_id BIGINT NOT NULL REFERENCES users (id),
    dossier_code TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
