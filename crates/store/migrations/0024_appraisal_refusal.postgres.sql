-- The deciding agency's refusal after appraisal (Phiếu từ chối giải quyết hồ sơ, Decree 61/2018
-- Art. 19.8) is a form of its own: the set of kinds widens (the rows there already hold a
-- narrower one), under the name the other closed sets use.
ALTER TABLE issued_forms DROP CONSTRAINT issued_forms_kind_check;
ALTER TABLE issued_forms ADD CONSTRAINT issued_forms_kind_values CHECK (kind IN ('receipt', 'supplement_request', 'refusal', 'appraisal_refusal', 'apology', 'stop_notice', 'fee_receipt'));
