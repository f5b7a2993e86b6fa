//! The `motcua` binary: one program for the whole platform.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use motcua_domain::code::DossierCodePattern;
use motcua_domain::dossier::Role;
use motcua_store::synthetic::Mix;
use motcua_store::users::NewUser;
use motcua_store::{Blobs, Database};
use motcua_web::mail::Mailer;
use motcua_web::sms::{BrandnameGateway, GatewayConfig, LogSms, SmsProvider};
use motcua_web::worker::{self, WorkerConfig};
use motcua_web::{AppState, Config};

#[derive(Parser)]
#[command(name = "motcua", version, about = "motcua — the provincial one-stop e-government platform")]
struct Cli {
    /// Data folder: the SQLite database (unless --database-url says otherwise) and attachments.
    #[arg(long, global = true, default_value = "./data", env = "MOTCUA_DATA")]
    data: PathBuf,
    /// Database URL: postgres://… selects PostgreSQL; nothing selects SQLite in the data folder.
    #[arg(long, global = true, env = "DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "MOTCUA_ADDR")]
        addr: SocketAddr,
        /// Load the demo province into an empty database (accounts with password `demo`).
        #[arg(long)]
        demo: bool,
        /// Historical demo dossiers to generate.
        #[arg(long, default_value_t = 300)]
        demo_dossiers: usize,
        /// Dossier code pattern: placeholders {agency}, {yymmdd}, {yyyymmdd}, {seq:N}.
        #[arg(long, default_value = DossierCodePattern::CLASSIC, env = "MOTCUA_CODE_PATTERN")]
        code_pattern: String,
        /// Mark cookies Secure (when served over TLS by a proxy).
        #[arg(long, env = "MOTCUA_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Numbering of the printed forms: `new` (Circular 03/2025) or `old` (Circular 01/2018).
        #[arg(long, default_value = "new", env = "MOTCUA_FORM_NUMBERING")]
        form_numbering: String,
        /// The place printed on forms ("Lào Cai, ngày …").
        #[arg(long, default_value = "Lào Cai", env = "MOTCUA_PLACE")]
        place: String,
        /// The portal's public address, for the QR codes printed on forms and the payment
        /// gateway's return and confirmation addresses (default: http:// and --addr).
        #[arg(long, env = "MOTCUA_PUBLIC_URL")]
        public_url: Option<String>,
        /// The payment gateway's payment address (HMAC-signed redirect protocol). Without it the
        /// built-in sandbox gateway takes payments (no real money).
        #[arg(long, env = "MOTCUA_PAYMENT_URL")]
        payment_url: Option<String>,
        /// The merchant code the payment gateway gave the province.
        #[arg(long, env = "MOTCUA_PAYMENT_MERCHANT", default_value = "MOTCUA01")]
        payment_merchant: String,
        /// The payment gateway's shared secret (required with --payment-url).
        #[arg(long, env = "MOTCUA_PAYMENT_SECRET", hide_env_values = true)]
        payment_secret: Option<String>,
        /// The payment gateway's name, recorded with each payment.
        #[arg(long, env = "MOTCUA_PAYMENT_NAME", default_value = "vnpay")]
        payment_name: String,
        /// SMTP server for e-mail: smtp://host:port (no TLS, a local relay),
        /// smtp://user:pass@host:587?tls=required (STARTTLS) or smtps://user:pass@host (TLS).
        /// Without it e-mails are only written to the log.
        #[arg(long, env = "MOTCUA_SMTP_URL", hide_env_values = true)]
        smtp_url: Option<String>,
        /// Sender of e-mails, e.g. "Cổng dịch vụ công <no-reply@dichvucong.example.gov.vn>".
        #[arg(long, env = "MOTCUA_MAIL_FROM", default_value = "motcua <no-reply@localhost>")]
        mail_from: String,
        #[command(flatten)]
        sms: Box<SmsOptions>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Exit 0 when the server at the address answers /healthz.
    Healthcheck {
        /// Server address.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Audit tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The keys that sign electronic results, in <data>/keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Add synthetic dossiers to a demo database, for benchmarks (see bench/README.md).
    Seed {
        /// How many dossiers to add.
        #[arg(long, default_value_t = 100_000)]
        dossiers: usize,
        /// Seed of the random generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Only dossiers in the workflow (received or processing), about a third of them
        /// overdue, instead of the usual mix of every status.
        #[arg(long)]
        open_only: bool,
    },
}

/// The brandname-SMS gateway. Keys are best given through the environment, which other users
/// of the machine cannot read from the process list.
#[derive(clap::Args)]
struct SmsOptions {
    /// Sending endpoint of a brandname-SMS gateway taking JSON (eSMS.vn's
    /// https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/ or one of the
    /// same shape). Without it SMS are only written to the log.
    #[arg(long, env = "MOTCUA_SMS_URL")]
    sms_url: Option<String>,
    /// The gateway account's API key.
    #[arg(long, env = "MOTCUA_SMS_API_KEY", hide_env_values = true)]
    sms_api_key: Option<String>,
    /// The gateway account's secret key.
    #[arg(long, env = "MOTCUA_SMS_SECRET_KEY", hide_env_values = true)]
    sms_secret_key: Option<String>,
    /// The registered sender name (brandname).
    #[arg(long, env = "MOTCUA_SMS_BRANDNAME")]
    sms_brandname: Option<String>,
    /// The gateway's message type (2: customer care under a brandname).
    #[arg(long, env = "MOTCUA_SMS_TYPE", default_value = "2")]
    sms_type: String,
    /// Send with Vietnamese tone marks (Unicode: 70 characters a part instead of 160).
    #[arg(long, env = "MOTCUA_SMS_UNICODE")]
    sms_unicode: bool,
    /// The gateway's test mode: requests are checked, nothing is sent or charged.
    #[arg(long, env = "MOTCUA_SMS_SANDBOX")]
    sms_sandbox: bool,
}

impl SmsOptions {
    /// The provider these options name: the gateway, or the log when no URL is given.
    fn provider(&self) -> Result<std::sync::Arc<dyn SmsProvider>> {
        let Some(url) = self.sms_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            tracing::warn!("no SMS gateway (--sms-url, MOTCUA_SMS_URL): SMS are written to the log, not sent");
            return Ok(std::sync::Arc::new(LogSms::default()));
        };
        let gateway = BrandnameGateway::new(GatewayConfig {
            url: url.to_string(),
            api_key: self.sms_api_key.clone().unwrap_or_default(),
            secret_key: self.sms_secret_key.clone().unwrap_or_default(),
            brandname: self.sms_brandname.clone().unwrap_or_default(),
            sms_type: self.sms_type.clone(),
            unicode: self.sms_unicode,
            sandbox: self.sms_sandbox,
            timeout: Duration::from_secs(20),
        })
        .map_err(|e| {
            anyhow::anyhow!(
                "SMS gateway (--sms-url and MOTCUA_SMS_API_KEY, MOTCUA_SMS_SECRET_KEY, MOTCUA_SMS_BRANDNAME): {e}"
            )
        })?;
        Ok(std::sync::Arc::new(gateway))
    }
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every dossier's hash chain; exit 1 if any history was altered.
    Verify,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a new key sign results from now on (a running server picks it up at the next
    /// result); results signed before keep verifying with their own key.
    Rotate,
    /// List the keys: id, when made, whether retired, whether its private key is in this folder.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an officer account; the password is read from MOTCUA_PASSWORD or asked for.
    Add {
        /// User name.
        username: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Agency code.
        #[arg(long)]
        agency: String,
        /// Roles, comma separated: reception, specialist, leader, clerk, admin, steering.
        #[arg(long, value_delimiter = ',')]
        roles: Vec<String>,
    },
}

async fn open(cli: &Cli) -> Result<Database> {
    std::fs::create_dir_all(&cli.data)
        .with_context(|| format!("cannot create the data folder {}", cli.data.display()))?;
    let url = match &cli.database_url {
        Some(u) if !u.trim().is_empty() => u.clone(),
        _ => Database::sqlite_url_in(&cli.data),
    };
    let db = Database::connect(&url).await?;
    db.migrate().await?;
    Ok(db)
}

/// The payment gateway: the one configured, or the built-in sandbox with a secret kept in the
/// data folder (so payments started before a restart still verify).
fn payment_gateway(
    data: &Path,
    url: &Option<String>,
    merchant: &str,
    secret: &Option<String>,
    name: &str,
) -> Result<motcua_web::gateway::GatewayConfig> {
    use motcua_web::gateway::GatewayConfig;
    if let Some(url) = url {
        let secret = secret.clone().filter(|s| !s.is_empty()).context("--payment-url needs --payment-secret")?;
        return Ok(GatewayConfig { name: name.into(), pay_url: Some(url.clone()), merchant: merchant.into(), secret });
    }
    let path = data.join("sandbox-gateway.secret");
    let secret = match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => {
            let s = motcua_store::random_id();
            std::fs::write(&path, &s).with_context(|| format!("cannot write {}", path.display()))?;
            s
        }
    };
    tracing::warn!(
        "no payment gateway (--payment-url): the built-in sandbox gateway takes payments, no real money moves"
    );
    Ok(GatewayConfig { secret, ..GatewayConfig::sandbox() })
}

/// Where the private keys that sign results live.
fn keys_dir(data: &Path) -> PathBuf {
    data.join("keys")
}

fn blobs(data: &Path) -> Result<Blobs> {
    Ok(Blobs::local(data.join("attachments"))?)
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match &cli.command {
        Command::Serve {
            addr,
            demo,
            demo_dossiers,
            code_pattern,
            secure_cookies,
            form_numbering,
            place,
            public_url,
            payment_url,
            payment_merchant,
            payment_secret,
            payment_name,
            smtp_url,
            mail_from,
            sms,
        } => {
            let public_url = public_url.clone().unwrap_or_else(|| {
                let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
                format!("http://{host}:{}", addr.port())
            });
            let payment = payment_gateway(&cli.data, payment_url, payment_merchant, payment_secret, payment_name)?;
            let form_numbering: motcua_render::FormNumbering =
                form_numbering.parse().map_err(|e| anyhow::anyhow!("--form-numbering: {e}"))?;
            let code_pattern = DossierCodePattern::parse(code_pattern)?;
            let mailer = Mailer::new(smtp_url.as_deref(), mail_from)?;
            // Checked before anything starts: a half-configured gateway stops the server.
            let sms = sms.provider()?;
            if mailer.is_log_only() {
                tracing::warn!(
                    "no SMTP server (--smtp-url, MOTCUA_SMTP_URL): e-mails are written to the log, not sent"
                );
            }
            let db = open(&cli).await?;
            if *demo {
                if motcua_store::demo::is_empty(&db).await? {
                    let hash =
                        motcua_web::auth::hash_password("demo".into()).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
                    let loaded = motcua_store::demo::load(&db, &hash, *demo_dossiers).await?;
                    eprintln!("\n==================== DEMO MODE ====================");
                    eprintln!(
                        "Loaded {}: {} procedures, {} historical dossiers.",
                        loaded.province, loaded.procedures, loaded.dossiers
                    );
                    eprintln!("Demo accounts, all with password `demo` — never use demo mode in production:");
                    for (user, roles, agency) in loaded.accounts.iter().take(7) {
                        eprintln!("  {user:<12} {roles:<12} {agency}");
                    }
                    eprintln!(
                        "  (+{} officer accounts for the other agencies)",
                        loaded.accounts.len().saturating_sub(7)
                    );
                    eprintln!("===================================================\n");
                } else {
                    eprintln!("DEMO MODE: the database is not empty; demo data was not loaded again. Demo accounts use password `demo`.");
                }
            }
            let config = Config {
                code_pattern,
                secure_cookies: *secure_cookies,
                form_numbering,
                place: place.clone(),
                public_url,
                payment,
                keys_dir: Some(keys_dir(&cli.data)),
                ..Config::default()
            };
            let state = AppState::new(db, blobs(&cli.data)?, config)
                .await
                .map_err(|e| anyhow::anyhow!("cannot start: {e:?}"))?;
            let handlers =
                motcua_web::alerts::register(worker::handlers(mailer.clone()), state.clone(), mailer.clone());
            let templates = motcua_web::notify::Templates { dir: Some(cli.data.join("templates")) };
            let handlers = motcua_web::notify::register(handlers, state.clone(), mailer, sms, templates);
            let worker = worker::start(state.db.clone(), handlers, WorkerConfig::default());
            let alerts = motcua_web::alerts::start(state.clone());
            let listener =
                tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
            tracing::info!("motcua listening on http://{addr}");
            axum::serve(listener, motcua_web::app(state).into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
            alerts.abort();
            // The job in hand is finished (an e-mail is never cut off mid-send) unless it takes
            // longer than this; then its lease expires and the next start runs it again.
            if tokio::time::timeout(Duration::from_secs(40), worker.stop()).await.is_err() {
                tracing::warn!("the job worker did not stop in time; its job will run again after its lease");
            }
        }
        Command::Migrate => {
            open(&cli).await?;
            eprintln!("migrations applied");
        }
        Command::User { command } => match command {
            UserCommand::Add { username, name, agency, roles } => {
                let db = open(&cli).await?;
                motcua_store::catalog::agency(&db, agency).await.with_context(|| format!("no agency {agency}"))?;
                let roles = roles
                    .iter()
                    .map(|r| {
                        Role::parse(r.trim())
                            .filter(|r| r.is_officer())
                            .with_context(|| format!("unknown officer role {r}"))
                    })
                    .collect::<Result<Vec<_>>>()?;
                if roles.is_empty() {
                    bail!("give at least one role with --roles");
                }
                let password = match std::env::var("MOTCUA_PASSWORD") {
                    Ok(p) => p,
                    Err(_) => rpassword::prompt_password("Password: ")?,
                };
                if password.chars().count() < 12 {
                    bail!("an officer's password must have at least 12 characters");
                }
                let hash = motcua_web::auth::hash_password(password).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let id = motcua_store::users::create_user(
                    &db,
                    &NewUser {
                        username: Some(username.clone()),
                        full_name: name.clone(),
                        password_hash: hash,
                        agency_code: Some(agency.clone()),
                        roles,
                        ..NewUser::default()
                    },
                )
                .await?;
                eprintln!("created user {username} (id {id})");
            }
        },
        Command::Healthcheck { addr } => {
            let mut stream =
                tokio::net::TcpStream::connect(addr).await.with_context(|| format!("nothing listens on {addr}"))?;
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            stream
                .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
                .await?;
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await?;
            if !answer.starts_with("HTTP/1.1 200") {
                bail!("unhealthy: {}", answer.lines().next().unwrap_or(""));
            }
            println!("healthy");
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let db = open(&cli).await?;
            let v = motcua_store::audit::verify(&db).await?;
            println!("{} dossiers, {} events checked", v.dossiers, v.events);
            for b in &v.breaks {
                println!("ALTERED: dossier {} from event {}", b.dossier_code, b.event_id);
            }
            if !v.breaks.is_empty() {
                bail!("{} dossier histories were altered", v.breaks.len());
            }
            println!("every history is intact");
        }
        Command::Keys { command } => {
            let db = open(&cli).await?;
            let dir = keys_dir(&cli.data);
            let mut ring = motcua_signing::KeyRing::open(&dir)
                .with_context(|| format!("cannot open the signing keys in {}", dir.display()))?;
            if matches!(command, KeysCommand::Rotate) {
                let old = ring.current().id().to_string();
                let new = ring.rotate()?.id().to_string();
                motcua_web::sealing::register_keys(&db, &ring).await?;
                eprintln!("key {new} signs results from now on; {old} is retired (its results still verify)");
            } else {
                motcua_web::sealing::register_keys(&db, &ring).await?;
            }
            let local: Vec<String> = ring.keys().iter().map(|k| k.id().to_string()).collect();
            for k in motcua_store::seals::keys(&db).await? {
                println!(
                    "{}  created {}  {}  {}",
                    k.id,
                    k.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    k.retired_at.map_or("current".to_string(), |t| format!("retired {}", t.format("%Y-%m-%d %H:%M"))),
                    if local.contains(&k.id) { "private key here" } else { "public key only" }
                );
            }
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&motcua_web::api::openapi())?);
        }
        Command::Seed { dossiers, seed, open_only } => {
            let db = open(&cli).await?;
            let started = std::time::Instant::now();
            let mix = if *open_only { Mix::OpenOnly } else { Mix::Realistic };
            let seeded = motcua_store::synthetic::seed(&db, *dossiers, *seed, mix, |n| {
                eprintln!("  {n} dossiers written ({:.1} s)", started.elapsed().as_secs_f64());
            })
            .await?;
            eprintln!(
                "seeded {} synthetic dossiers with {} events in {:.1} s",
                seeded.dossiers,
                seeded.events,
                started.elapsed().as_secs_f64()
            );
            for (status, n) in &seeded.by_status {
                eprintln!("  {status:<22} {n}");
            }
        }
    }
    Ok(())
}
