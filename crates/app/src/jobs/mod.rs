//! Work that follows a change, run by the job worker: e-mails and SMS, the applicant's
//! notifications, officers' digests and escalations, the steering committee's monthly report,
//! the daily audit checkpoint and sweep of the attachment store.

pub mod alerts;
pub mod audit;
pub mod blob_sweep;
pub mod mail;
pub mod monthly_report;
pub mod national_sync;
pub mod notify;
pub mod outbound;
pub mod sms;
pub mod webhooks;
pub mod worker;
