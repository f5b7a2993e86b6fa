//! Work that follows a change, run by the job worker: e-mails and SMS, the applicant's
//! notifications, officers' digests and escalations.

pub mod alerts;
pub mod mail;
pub mod notify;
pub mod sms;
pub mod worker;
