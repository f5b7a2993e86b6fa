//! The application state shared by every handler.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use motcua_domain::calendar::WorkingCalendar;
use motcua_domain::code::DossierCodePattern;
use motcua_store::catalog::{self, Agency, Procedure};
use motcua_store::{Blobs, Database};

pub use crate::catalog::Catalog;
use crate::error::AppResult;

/// Settings of a running server.
#[derive(Clone, Debug)]
pub struct Config {
    /// How dossier codes look.
    pub code_pattern: DossierCodePattern,
    /// Largest accepted attachment, bytes.
    pub max_file_bytes: usize,
    /// Largest accepted request body, bytes.
    pub max_body_bytes: usize,
    /// Cookies `Secure` and `__Host-` prefixed, as behind TLS (not on plain-HTTP development
    /// servers and the demo).
    pub secure_cookies: bool,
    /// The reverse proxies in front of the server, whose `X-Forwarded-For` / `Forwarded` header
    /// names the client; a request from anywhere else is its own client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Officers' idle session timeout (DESIGN.md section 10: at most 15 minutes).
    pub officer_idle: chrono::Duration,
    /// Citizens' idle session timeout.
    pub citizen_idle: chrono::Duration,
    /// Which numbering the printed forms carry (Circular 01/2018 or 03/2025).
    pub form_numbering: motcua_render::FormNumbering,
    /// The place printed on forms ("Lào Cai, ngày …").
    pub place: String,
    /// The address citizens reach the portal at, for the QR codes of printed forms.
    pub public_url: String,
    /// The payment gateway: the one configured, else the built-in sandbox, which takes
    /// payments only in [`Config::demo`].
    pub payment: crate::gateway::GatewayConfig,
    /// Demo mode (`serve --demo`): the demo province with its known passwords, and the built-in
    /// sandbox gateway, which lets anyone with a payment link mark a fee paid without money.
    /// Never on in production.
    pub demo: bool,
    /// The folder of the keys that sign electronic results (`<data>/keys`); `None` keeps one
    /// key in memory for the life of the process (tests).
    pub keys_dir: Option<std::path::PathBuf>,
    /// Serve Prometheus metrics at `/metrics`. Off unless asked for: the page tells whoever
    /// reaches it how busy the server is, so it belongs behind the operator's proxy.
    pub metrics: bool,
    /// The agencies' signing certificates (`<data>/pki`, see [`crate::pki`]): the deciding
    /// agency PAdES-signs the electronic results it issues. None by default: results then carry
    /// the system's Ed25519 seal only.
    pub signers: std::sync::Arc<crate::pki::Signers>,
    /// What the public verification page checks uploaded PDFs' signatures against: the trust
    /// roots (`--trust-roots`, and the test CA's root in a demo) and the CRLs (`--crl`). Empty by
    /// default: every signature is then reported as not chaining to a trusted root.
    pub trust: std::sync::Arc<motcua_signing::validate::TrustStore>,
    /// The RFC 3161 timestamp authority (`--tsa-url`) that makes every PDF signature B-T. When
    /// one is configured and does not answer, nothing is signed or issued at B-B instead: a form
    /// is kept byte for byte once issued, so a missing timestamp could never be added later.
    pub timestamp_authority: Option<std::sync::Arc<dyn motcua_signing::tsa::TimestampAuthority>>,
    /// A file outside the database to which each day's signed audit checkpoint is appended, one
    /// JSON line each (`--audit-checkpoint-file`): kept on append-only or remote storage, it
    /// shows what the database held even if the database and its checkpoints are rewritten.
    pub audit_checkpoint_file: Option<std::path::PathBuf>,
    /// How much memory anonymous uploads to the public verification may take (see
    /// [`VerifyUploads`]).
    pub verify_uploads: VerifyUploads,
    /// The OpenID Connect providers one may sign in through (`--oidc`), each a button on the
    /// sign-in page: VNeID for citizens, the province's provider for officers.
    pub identity_providers: Vec<crate::providers::IdentityProvider>,
    /// The targets and points of the Decision 766 indicators (`--indicator-targets FILE`, over
    /// the table shipped).
    pub indicator_targets: motcua_domain::indicators::Targets,
}

/// Bounds on the files anyone may upload, without signing in, to have them verified
/// (`/xac-thuc`, `/api/v1/results/verify`). A PDF must be in memory to have its signatures
/// validated, so without a bound a few large uploads at once take the server's memory.
#[derive(Clone, Debug)]
pub struct VerifyUploads {
    /// Memory the uploads being verified may hold at once over all callers, a PDF counting
    /// three times its size (its bytes, its parsed objects, the allocator's slack); an upload
    /// waits its turn for up to [`Self::wait`], then is refused (503). A file that costs more
    /// than all of it takes all of it, and is checked alone.
    pub in_flight_bytes: usize,
    /// Uploads being verified at once from one client address; more are refused at once (503):
    /// a person checks one file at a time, a service centre behind one address a few.
    pub per_client: usize,
    /// How long an upload waits for room before it is refused.
    pub wait: std::time::Duration,
}

/// The largest file the public verification accepts. A result the system issues is its cover
/// page with the decision attached (itself at most [`Config::max_file_bytes`], 10 MB) and a few
/// signatures, each an incremental revision of some kilobytes: 20 MB leaves room for that and
/// for a re-saved copy, and refuses anything that cannot be one of our results.
pub const VERIFY_MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

impl Default for VerifyUploads {
    fn default() -> Self {
        // Room for one 10 MB PDF, or several small ones: 32 uploads of 10 MB at once then stay
        // under 100 MB resident (crates/motcua/tests/verify_memory.rs).
        Self { in_flight_bytes: 32 * 1024 * 1024, per_client: 4, wait: std::time::Duration::from_secs(20) }
    }
}

impl Config {
    /// A dossier's code with its lookup link, as its printed forms carry them (the QR code).
    pub fn dossier_ref(&self, code: &str) -> motcua_render::DossierRef {
        motcua_render::DossierRef { code: code.to_string(), lookup_url: self.lookup_url(code) }
    }

    /// The public lookup link of a dossier, printed as a QR code on its forms.
    pub fn lookup_url(&self, code: &str) -> String {
        format!(
            "{}/tra-cuu?code={}",
            self.public_url.trim_end_matches('/'),
            url::form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>()
        )
    }
}

impl Config {
    /// Whether the built-in sandbox gateway takes payments: in demo mode only, when no real
    /// gateway is configured.
    pub fn sandbox_gateway(&self) -> bool {
        self.demo && self.payment.is_sandbox()
    }

    /// Whether applicants can pay online: a real gateway, or the sandbox of the demo. Otherwise
    /// fees are paid at the counter.
    pub fn pays_online(&self) -> bool {
        !self.payment.is_sandbox() || self.demo
    }

    /// The public verification page of an electronic result, printed as its QR code.
    pub fn verify_url(&self, verification_code: &str) -> String {
        format!("{}/xac-thuc/{verification_code}", self.public_url.trim_end_matches('/'))
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            code_pattern: DossierCodePattern::default(),
            max_file_bytes: 10 * 1024 * 1024,
            max_body_bytes: 64 * 1024 * 1024,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            officer_idle: chrono::Duration::minutes(15),
            citizen_idle: chrono::Duration::minutes(60),
            form_numbering: motcua_render::FormNumbering::default(),
            place: "Lào Cai".into(),
            public_url: "http://127.0.0.1:8080".into(),
            payment: crate::gateway::GatewayConfig::sandbox(),
            demo: false,
            keys_dir: None,
            metrics: false,
            signers: std::sync::Arc::new(crate::pki::Signers::none()),
            trust: std::sync::Arc::default(),
            timestamp_authority: None,
            audit_checkpoint_file: None,
            verify_uploads: VerifyUploads::default(),
            identity_providers: Vec::new(),
            indicator_targets: motcua_domain::indicators::Targets::default(),
        }
    }
}

/// Requests per client address — sign-ins, questions — limited by the generic cell rate
/// algorithm (GCRA): a burst, then a steady rate. On PostgreSQL, where several servers may
/// share the database, the count is kept in the database (`motcua_store::rate_limits`), so a
/// client gets one allowance whichever server it reaches; on SQLite, which one server uses, in
/// memory (governor), so that a check costs no write.
pub struct AddressLimiter {
    name: &'static str,
    quota: motcua_store::rate_limits::Quota,
    shared: Option<Database>,
    limiter: governor::DefaultKeyedRateLimiter<std::net::IpAddr>,
    checks: std::sync::atomic::AtomicU64,
}

impl AddressLimiter {
    /// The limit `name`: `burst` requests at once, then one per `every`.
    pub fn new(name: &'static str, burst: u32, every: std::time::Duration) -> AddressLimiter {
        let quota = governor::Quota::with_period(every)
            .unwrap_or_else(|| governor::Quota::per_second(std::num::NonZeroU32::MIN))
            .allow_burst(std::num::NonZeroU32::new(burst).unwrap_or(std::num::NonZeroU32::MIN));
        AddressLimiter {
            name,
            quota: motcua_store::rate_limits::Quota {
                burst,
                interval_ms: i64::try_from(every.as_millis()).unwrap_or(i64::MAX),
            },
            shared: None,
            limiter: governor::RateLimiter::keyed(quota),
            checks: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Keeps the count in `db` when it is PostgreSQL (see the type's documentation).
    pub fn shared_on(mut self, db: &Database) -> AddressLimiter {
        if db.engine == motcua_store::db::Engine::Postgres {
            self.shared = Some(db.clone());
        }
        self
    }

    /// Sign-in requests: 120 at once, then two a second, per address — an office behind one
    /// address signs in at eight o'clock, while a flood of password checks is slowed. Failed
    /// sign-ins are slowed per account and address besides (`accounts::check_credentials`).
    pub fn sign_ins() -> AddressLimiter {
        AddressLimiter::new("sign_in", 120, std::time::Duration::from_millis(500))
    }

    /// Public lookups of a dossier by code and phone: 30 at once, then one every 4 seconds, per
    /// address — a family looks up a few dossiers, a guesser needs thousands of tries.
    pub fn lookups() -> AddressLimiter {
        AddressLimiter::new("lookup", 30, std::time::Duration::from_secs(4))
    }

    /// Registrations and codes sent again: 20 at once, then one a minute, per address. Each
    /// sends a text message and an e-mail, which cost the province and can pester their owner.
    pub fn registrations() -> AddressLimiter {
        AddressLimiter::new("registration", 20, std::time::Duration::from_secs(60))
    }

    /// Checks of results by code or by file on the public verification page and API: 60 at
    /// once, then one every 2 seconds, per address — a clerk checks a pile of papers, while
    /// nobody walks the codes or keeps the PDF validator busy.
    pub fn verifications() -> AddressLimiter {
        AddressLimiter::new("verification", 60, std::time::Duration::from_secs(2))
    }

    /// Questions asked on the portal: 20 at once, then one every 15 seconds, per address.
    pub fn questions() -> AddressLimiter {
        AddressLimiter::new("question", 20, std::time::Duration::from_secs(15))
    }

    /// Counts a request; false when the address has used its allowance. When the shared count
    /// cannot be reached the request is counted in memory instead: the database being away is
    /// no reason to refuse a citizen, nor to let a flood through.
    pub async fn allow(&self, address: std::net::IpAddr) -> bool {
        if let Some(db) = &self.shared {
            let now = chrono::Utc::now();
            // Now and then, the addresses whose allowance is whole again are forgotten.
            if self.checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 1000 == 999 {
                if let Err(e) = motcua_store::rate_limits::sweep(db, now).await {
                    tracing::warn!(error = %e, "could not sweep the rate limits");
                }
            }
            match motcua_store::rate_limits::allow(db, self.name, &address.to_string(), self.quota, now).await {
                Ok(allowed) => return allowed,
                Err(e) => tracing::warn!(error = %e, limit = self.name, "shared rate limit unreachable; counting here"),
            }
        }
        if self.limiter.len() > 100_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&address).is_ok()
    }
}

/// Everything a handler needs.
pub struct Inner {
    /// The database.
    pub db: Database,
    /// Attachment bytes.
    pub blobs: Blobs,
    /// Settings.
    pub config: Config,
    catalog: Arc<RwLock<Arc<Catalog>>>,
    calendar: Arc<RwLock<Arc<WorkingCalendar>>>,
    /// Login rate limiting.
    pub logins: AddressLimiter,
    /// Public questions and feedback per address (spam protection).
    pub asks: AddressLimiter,
    /// Public lookups of dossiers per address.
    pub lookups: AddressLimiter,
    /// Registrations per address.
    pub registrations: AddressLimiter,
    /// Public checks of results, by code or file, per address.
    pub verifications: AddressLimiter,
    /// Refused payment confirmations per address and minute, so that a flood does not flood
    /// the payment log.
    pub refusals: crate::refusals::RefusalLog,
    /// Procedure versions that dossiers refer to, kept once read: a version never changes.
    versions: RwLock<HashMap<i64, Arc<Procedure>>>,
    /// Officers' reads of dossiers, written in batches.
    pub reads: ReadLog,
    /// A hash verified for unknown users so timing does not reveal which accounts exist.
    pub dummy_hash: String,
    /// The keys that sign electronic results.
    pub keys: Mutex<motcua_signing::KeyRing>,
    /// The figures of the public transparency page, counted every few minutes.
    pub public_figures: crate::public_figures::PublicFiguresCache,
    /// The open dossiers' indicator rows, counted every little while.
    pub open_counts: crate::counting::OpenCountsCache,
    /// What judges dossiers into the indicators' rows (installed on the database too).
    pub judge: Arc<crate::counting::CountingJudge>,
    /// The versions of the catalog and the calendar this server holds
    /// (`motcua_store::cache_versions`).
    cache_seen: Mutex<HashMap<String, i64>>,
    /// Dropped with the state, which ends the listening for other servers' changes.
    _stop_listening: tokio::sync::oneshot::Sender<()>,
    /// Held while the catalog or the calendar is reloaded.
    reloading: tokio::sync::Mutex<()>,
}

/// How often a server checks whether another server, or a command, changed what it keeps in
/// memory (one read of a two-row table) while it hears no announcements (always on SQLite): a
/// holiday added on one server counts on the others within about this long.
pub const CACHE_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// How often it checks while PostgreSQL announces every change to it: a safety net only.
const CACHE_CHECK_LISTENING: std::time::Duration = std::time::Duration::from_secs(30);

/// Reloads what another server changed, for as long as the state lives: at once when PostgreSQL
/// announces a change (`motcua_store::cache_versions::Listener`), and by reading the versions
/// every [`CACHE_CHECK_EVERY`] while no announcement can be heard.
fn watch_caches(state: std::sync::Weak<Inner>, db: Database, stop: tokio::sync::oneshot::Receiver<()>) {
    let listening = Arc::new(std::sync::atomic::AtomicBool::new(false));
    tokio::spawn(listen_for_changes(state.clone(), db, listening.clone(), stop));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CACHE_CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut checked = std::time::Instant::now();
        loop {
            tick.tick().await;
            let Some(inner) = state.upgrade() else { return };
            if listening.load(std::sync::atomic::Ordering::Relaxed) && checked.elapsed() < CACHE_CHECK_LISTENING {
                continue;
            }
            checked = std::time::Instant::now();
            if let Err(e) = AppState(inner).reload_changed().await {
                tracing::warn!(error = ?e, "checking for changes made by other servers failed");
            }
        }
    });
}

/// Hears PostgreSQL's announcements of changes and reloads at each; `listening` says whether
/// it is connected. Ends on SQLite at once, and when the state is dropped (`stop`).
async fn listen_for_changes(
    state: std::sync::Weak<Inner>,
    db: Database,
    listening: Arc<std::sync::atomic::AtomicBool>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    use motcua_store::cache_versions::{Heard, Listener};
    use std::sync::atomic::Ordering::Relaxed;
    let alive = |state: &std::sync::Weak<Inner>| state.upgrade().map(AppState);
    loop {
        match Listener::start(&db).await {
            Ok(None) => return,
            Ok(Some(mut listener)) => {
                listening.store(true, Relaxed);
                // Reads the versions first (what changed before the listening began), then at
                // each announcement.
                loop {
                    {
                        let Some(state) = alive(&state) else { return };
                        if let Err(e) = state.reload_changed().await {
                            tracing::warn!(error = ?e, "reloading what another server changed failed");
                        }
                    }
                    let heard = tokio::select! {
                        _ = &mut stop => return,
                        heard = listener.next() => heard,
                    };
                    match heard {
                        Ok(Heard::Changed(_)) => {}
                        Ok(Heard::Lost) => break,
                        Err(e) => {
                            tracing::warn!(error = ?e, "listening for other servers' changes failed");
                            break;
                        }
                    }
                }
                listening.store(false, Relaxed);
            }
            Err(e) => tracing::warn!(error = ?e, "cannot listen for other servers' changes; checking every second"),
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(CACHE_CHECK_EVERY) => {}
        }
    }
}

/// Cheap to clone.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Loads the catalog and the calendar and builds the state.
    pub async fn new(db: Database, blobs: Blobs, config: Config) -> AppResult<AppState> {
        let shared = db.clone();
        // Read before what they version, so that a change made meanwhile is reloaded, not missed.
        let cache_seen = motcua_store::cache_versions::current(&db).await?;
        let catalog = Catalog::load(&db).await?;
        let calendar = motcua_store::calendar::working_calendar(&db).await?;
        let dummy_hash = crate::passwords::hash_password("not a real password".into()).await?;
        let keys = match &config.keys_dir {
            Some(dir) => motcua_signing::KeyRing::open(dir).map_err(crate::error::AppError::internal)?,
            None => motcua_signing::KeyRing::in_memory(),
        };
        crate::keys::register_keys(&db, &keys).await?;
        let folded = motcua_store::dossiers::fold_names(&db).await?;
        if folded > 0 {
            tracing::info!("applicant names of {folded} dossiers folded for search");
        }
        let folded = motcua_store::office::fold_issuers(&db).await?;
        if folded > 0 {
            tracing::info!("issuers of {folded} office documents folded for search");
        }
        let db_for_reads = db.clone();
        let (stop_listening, stopped) = tokio::sync::oneshot::channel();
        let catalog = Arc::new(RwLock::new(Arc::new(catalog)));
        let calendar = Arc::new(RwLock::new(Arc::new(calendar)));
        let judge = Arc::new(crate::counting::CountingJudge { catalog: catalog.clone(), calendar: calendar.clone() });
        db.install_judge(judge.clone());
        if !motcua_store::indicator_counts::built(&db).await? {
            let started = std::time::Instant::now();
            let rebuilt = motcua_store::indicator_counts::rebuild(&db, judge.as_ref(), chrono::Utc::now()).await?;
            tracing::info!(
                dossiers = rebuilt.dossiers,
                rows = rebuilt.rows,
                seconds = started.elapsed().as_secs_f64(),
                "counted the indicators of the finished dossiers"
            );
        }
        let state = AppState(Arc::new(Inner {
            db,
            blobs,
            config,
            catalog,
            calendar,
            logins: AddressLimiter::sign_ins().shared_on(&shared),
            asks: AddressLimiter::questions().shared_on(&shared),
            lookups: AddressLimiter::lookups().shared_on(&shared),
            registrations: AddressLimiter::registrations().shared_on(&shared),
            verifications: AddressLimiter::verifications().shared_on(&shared),
            refusals: crate::refusals::RefusalLog::default(),
            versions: RwLock::new(HashMap::new()),
            reads: ReadLog::start(db_for_reads),
            dummy_hash,
            keys: Mutex::new(keys),
            public_figures: crate::public_figures::PublicFiguresCache::default(),
            open_counts: crate::counting::OpenCountsCache::default(),
            judge,
            cache_seen: Mutex::new(cache_seen),
            _stop_listening: stop_listening,
            reloading: tokio::sync::Mutex::new(()),
        }));
        watch_caches(Arc::downgrade(&state.0), shared, stopped);
        Ok(state)
    }

    /// The catalog as it is now.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A procedure in the version a dossier keeps, from memory after the first time (taken from
    /// the catalog when current, else from the database).
    pub async fn procedure_version(&self, version_id: i64) -> AppResult<Arc<Procedure>> {
        if let Some(p) = self.versions.read().unwrap_or_else(|e| e.into_inner()).get(&version_id) {
            return Ok(p.clone());
        }
        let current = self.catalog().by_version(version_id).cloned();
        let p = Arc::new(match current {
            Some(p) => p,
            None => catalog::procedure_version(&self.db, version_id).await?,
        });
        self.versions.write().unwrap_or_else(|e| e.into_inner()).insert(version_id, p.clone());
        Ok(p)
    }

    /// The working calendar as it is now.
    pub fn calendar(&self) -> Arc<WorkingCalendar> {
        self.calendar.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reloads the catalog after an admin changed a procedure (a new version is in force).
    pub async fn reload_catalog(&self) -> AppResult<()> {
        self.reload(motcua_store::cache_versions::CATALOG).await
    }

    /// Reloads what `name` (`motcua_store::cache_versions`) caches, and records the version held:
    /// read before reloading, so that a change made meanwhile is reloaded again, not missed.
    /// Reloads take turns: one begun before a change and finished after another reload of it
    /// would otherwise put the older copy back.
    async fn reload(&self, name: &str) -> AppResult<()> {
        let _turn = self.reloading.lock().await;
        let version = motcua_store::cache_versions::current(&self.db).await?.get(name).copied();
        if name == motcua_store::cache_versions::CATALOG {
            let catalog = Catalog::load(&self.db).await?;
            *self.catalog.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(catalog);
        } else {
            let cal = motcua_store::calendar::working_calendar(&self.db).await?;
            *self.calendar.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(cal);
        }
        if let Some(v) = version {
            self.cache_seen.lock().unwrap_or_else(|e| e.into_inner()).insert(name.to_string(), v);
        }
        Ok(())
    }

    /// Reloads the catalog and the calendar if another server (or a command) changed them since
    /// this one loaded them; what was reloaded.
    pub async fn reload_changed(&self) -> AppResult<Vec<&'static str>> {
        use motcua_store::cache_versions::{CALENDAR, CATALOG};
        let now = motcua_store::cache_versions::current(&self.db).await?;
        let stale: Vec<&'static str> = {
            let seen = self.cache_seen.lock().unwrap_or_else(|e| e.into_inner());
            [CATALOG, CALENDAR].into_iter().filter(|name| now.get(*name) != seen.get(*name)).collect()
        };
        for name in &stale {
            self.reload(name).await?;
        }
        if !stale.is_empty() {
            tracing::info!(reloaded = ?stale, "reloaded what another server changed");
        }
        Ok(stale)
    }

    /// The issuing body of an agency's documents as printed: the parent agency, the unit, and
    /// the place of issue.
    pub fn issuer(&self, agency: &Agency) -> motcua_render::Issuer {
        motcua_render::Issuer {
            agency: self.governing_body(agency).unwrap_or_default(),
            unit: agency.name.clone(),
            place: self.config.place.clone(),
        }
    }

    /// The first line of an agency's heading (cơ quan chủ quản, Decree 30/2020 Annex I): the
    /// body it answers to when the catalog names one (Công an tỉnh: Bộ Công an), else its parent;
    /// none for a People's Committee, provincial or commune, which heads its forms alone.
    pub fn governing_body(&self, agency: &Agency) -> Option<String> {
        use motcua_domain::catalog::AgencyKind;
        if matches!(agency.kind, AgencyKind::Province | AgencyKind::Commune) {
            return None;
        }
        if let Some(body) = agency.governing_body.clone() {
            return Some(body);
        }
        let catalog = self.catalog();
        agency.parent_code.as_ref().and_then(|c| catalog.agencies.get(c)).map(|a| a.name.clone())
    }

    /// The issuer of a form the one-stop desk of `centre` issues (the receipt, a refusal or a
    /// supplement request at reception): its "Bộ phận tiếp nhận và trả kết quả" under the name
    /// of the centre or agency whose desk it is (Decree 61/2018 Art. 7).
    pub fn desk_issuer(&self, centre: &Agency) -> motcua_render::Issuer {
        motcua_render::Issuer {
            agency: centre.name.clone(),
            unit: DESK_NAME.to_string(),
            place: self.config.place.clone(),
        }
    }

    /// Makes a new key sign electronic results from now on (written to the key folder when there
    /// is one); results signed before keep verifying with their own key. Returns the new key's id.
    pub async fn rotate_signing_key(&self) -> AppResult<String> {
        let (id, snapshot) = {
            let mut ring = self.keys.lock().unwrap_or_else(|e| e.into_inner());
            let id = ring.rotate().map_err(crate::error::AppError::internal)?.id().to_string();
            (id, crate::keys::public_keys(&ring))
        };
        crate::keys::register(&self.db, &snapshot).await?;
        Ok(id)
    }

    /// Reloads the calendar after an admin changed it.
    pub async fn reload_calendar(&self) -> AppResult<()> {
        self.reload(motcua_store::cache_versions::CALENDAR).await
    }
}

/// Bộ phận tiếp nhận và trả kết quả — the one-stop desk, as forms name it.
pub const DESK_NAME: &str = "Bộ phận tiếp nhận và trả kết quả";

/// The log of officers' reads, written by a background task in batches of up to a second, so
/// that reading a dossier costs no write of its own. At most the last second of reads is lost
/// if the server dies.
pub struct ReadLog {
    sender: tokio::sync::mpsc::UnboundedSender<ReadMessage>,
}

enum ReadMessage {
    Read(i64, i64, chrono::DateTime<chrono::Utc>),
    Flush(tokio::sync::oneshot::Sender<()>),
}

impl ReadLog {
    fn start(db: Database) -> ReadLog {
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<ReadMessage>();
        tokio::spawn(async move {
            let mut batch = Vec::new();
            let mut waiting = Vec::new();
            loop {
                let first = receiver.recv().await;
                let Some(first) = first else { break };
                let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(500);
                let mut next = Some(first);
                while let Some(message) = next.take() {
                    match message {
                        ReadMessage::Read(d, u, at) => batch.push((d, u, at)),
                        ReadMessage::Flush(done) => waiting.push(done),
                    }
                    if batch.len() >= 1000 || !waiting.is_empty() {
                        break;
                    }
                    next = tokio::time::timeout_at(deadline, receiver.recv()).await.ok().flatten();
                }
                if !batch.is_empty() {
                    if let Err(e) = motcua_store::audit::record_reads(&db, &batch).await {
                        tracing::error!(error = %e, lost = batch.len(), "could not record dossier reads");
                    }
                    batch.clear();
                }
                for done in waiting.drain(..) {
                    let _ = done.send(());
                }
            }
        });
        ReadLog { sender }
    }

    /// Notes a read.
    pub fn record(&self, dossier_id: i64, user_id: i64, at: chrono::DateTime<chrono::Utc>) {
        let _ = self.sender.send(ReadMessage::Read(dossier_id, user_id, at));
    }

    /// Waits until every read noted so far is written.
    pub async fn flush(&self) {
        let (done, wait) = tokio::sync::oneshot::channel();
        if self.sender.send(ReadMessage::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}
