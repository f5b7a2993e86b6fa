-- Webhooks (issue 14, point 7): other systems (the provincial data-exchange platform, a
-- ministry's system) subscribe to dossier and payment events instead of polling. A delivery is
-- written in the transaction of the change it reports, signed with the subscription's secret
-- when sent, and retried with backoff until the receiver answers 2xx. The secret is kept as
-- is: it signs every delivery.
CREATE TABLE webhook_subscriptions (
    id {id},
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE webhook_deliveries (
    id {id},
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id),
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_attempt_at BIGINT,
    last_error TEXT,
    sent_at BIGINT,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE sent_at IS NULL;
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);
