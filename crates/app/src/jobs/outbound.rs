//! The senders of messages to other systems: the national portal's status messages
//! ([`super::national_sync`]) and webhook deliveries ([`super::webhooks`]). Both wait in tables
//! written with the changes they report; a few tasks claim and send them, woken at once when a
//! change commits in this process and every second otherwise (changes made by other servers).

use std::sync::Arc;
use std::time::Duration;

use motcua_store::Database;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::national_sync::{self, StatusReceiver};
use super::webhooks::{self, WebhookPoster};

/// How the senders run.
#[derive(Clone, Debug)]
pub struct SenderConfig {
    /// Messages in flight at once (to different dossiers; one dossier's go to the portal one by
    /// one).
    pub parallel: usize,
    /// How long a claimed message is held: longer than the receiver's timeout.
    pub lease: Duration,
    /// How long to sleep when nothing is due.
    pub idle_poll: Duration,
    /// The server's public address, for the result files' addresses.
    pub public_url: String,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            parallel: 8,
            lease: Duration::from_secs(60),
            idle_poll: Duration::from_secs(1),
            public_url: String::new(),
        }
    }
}

/// Where messages go: the national portal when one is configured, and webhook receivers.
#[derive(Clone, Default)]
pub struct Receivers {
    /// The national portal.
    pub national: Option<Arc<dyn StatusReceiver>>,
    /// The HTTP client of webhook deliveries.
    pub webhooks: Option<Arc<dyn WebhookPoster>>,
}

/// Running senders. Dropping them lets their tasks run on; stop or kill them.
#[must_use = "stop the senders when the server stops"]
pub struct Sender {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Sender {
    /// Stops at once, messages in flight included, as a crash would: what they had claimed is
    /// sent again by a sender once its lease ends.
    pub fn kill(self) {
        for t in &self.tasks {
            t.abort();
        }
    }

    /// Stops claiming and waits for the messages in flight.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Starts the senders on the current runtime.
pub fn start(db: Database, receivers: Receivers, config: SenderConfig) -> Sender {
    let (stop, stopped) = watch::channel(false);
    let tasks = (0..config.parallel.max(1))
        .map(|_| tokio::spawn(run(db.clone(), receivers.clone(), config.clone(), stopped.clone())))
        .collect();
    tracing::info!(
        parallel = config.parallel,
        national_portal = receivers.national.is_some(),
        "outbound senders started"
    );
    Sender { stop, tasks }
}

async fn run(db: Database, receivers: Receivers, config: SenderConfig, mut stopped: watch::Receiver<bool>) {
    loop {
        if *stopped.borrow() {
            break;
        }
        let mut busy = false;
        if let Some(r) = &receivers.national {
            match national_sync::send_one(&db, r.as_ref(), config.lease, &config.public_url).await {
                Ok(sent) => busy |= sent.is_some(),
                Err(e) => tracing::error!(error = %e, "could not send from the national portal's outbox"),
            }
        }
        if let Some(p) = &receivers.webhooks {
            match webhooks::send_one(&db, p.as_ref(), config.lease).await {
                Ok(sent) => busy |= sent.is_some(),
                Err(e) => tracing::error!(error = %e, "could not send a webhook delivery"),
            }
        }
        if busy {
            continue;
        }
        tokio::select! {
            _ = db.outbox_filled().notified() => {}
            _ = tokio::time::sleep(config.idle_poll) => {}
            changed = stopped.changed() => if changed.is_err() { break },
        }
    }
}
