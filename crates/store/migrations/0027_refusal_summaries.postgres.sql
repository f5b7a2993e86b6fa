-- Beyond a few refused payment confirmations per source address and minute, the payment log
-- keeps one summary line per source and minute instead of each: the set of outcomes widens with
-- `summarised`.
ALTER TABLE payment_log DROP CONSTRAINT payment_log_outcome_values;
ALTER TABLE payment_log ADD CONSTRAINT payment_log_outcome_values CHECK (outcome IN ('paid', 'paid_twice', 'failed', 'replayed', 'forged', 'unsigned', 'wrong_amount', 'unknown', 'malformed', 'error', 'summarised'));
