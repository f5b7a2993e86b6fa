-- Beyond a few refused payment confirmations per source address and minute, the payment log
-- keeps one summary line per source and minute instead of each: the set of outcomes widens with
-- `summarised`. The triggers that stand for SQLite's CHECK are made again with it.
DROP TRIGGER payment_log_outcome_values_insert;
DROP TRIGGER payment_log_outcome_values_update;
CREATE TRIGGER payment_log_outcome_values_insert BEFORE INSERT ON payment_log WHEN NEW.outcome NOT IN ('paid', 'paid_twice', 'failed', 'replayed', 'forged', 'unsigned', 'wrong_amount', 'unknown', 'malformed', 'error', 'summarised')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: payment_log_outcome_values'); END;
CREATE TRIGGER payment_log_outcome_values_update BEFORE UPDATE OF outcome ON payment_log WHEN NEW.outcome NOT IN ('paid', 'paid_twice', 'failed', 'replayed', 'forged', 'unsigned', 'wrong_amount', 'unknown', 'malformed', 'error', 'summarised')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: payment_log_outcome_values'); END;
