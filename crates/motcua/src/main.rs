//! The `motcua` binary: one program for the whole platform.

mod log;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use motcua_app::jobs::mail::Mailer;
use motcua_app::jobs::national_sync::StatusReceiver;
use motcua_app::jobs::outbound::{self, Receivers, SenderConfig};
use motcua_app::jobs::sms::{LogSms, SmsProvider};
use motcua_app::jobs::worker::{self, WorkerConfig};
use motcua_app::{AppState, Config};
use motcua_domain::code::DossierCodePattern;
use motcua_domain::dossier::Role;
use motcua_store::national_outbox::NationalSync;
use motcua_store::synthetic::Mix;
use motcua_store::system_tokens::Scope;
use motcua_store::users::NewUser;
use motcua_store::{Blobs, Database};
use motcua_web::sms_gateway::{BrandnameGateway, GatewayConfig};

#[derive(Parser)]
#[command(name = "motcua", version, about = "motcua — the provincial one-stop e-government platform")]
struct Cli {
    /// Data folder: the SQLite database (unless --database-url says otherwise) and attachments.
    #[arg(long, global = true, default_value = "./data", env = "MOTCUA_DATA")]
    data: PathBuf,
    /// Database URL: postgres://… selects PostgreSQL; nothing selects SQLite in the data folder.
    #[arg(long, global = true, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Where attachments and issued documents are kept: s3://bucket/prefix for S3-compatible
    /// storage (credentials, region and endpoint from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    /// AWS_DEFAULT_REGION and AWS_ENDPOINT; AWS_ALLOW_HTTP=true for an endpoint without TLS).
    /// Nothing keeps them in the data folder's attachments/.
    #[arg(long, global = true, env = "MOTCUA_BLOB_URL")]
    blob_url: Option<String>,
    /// The folder of the keys every server of one database must share: the keys that seal
    /// results (keys/), the agencies' signing certificates (pki/), the audit key (audit.key) and
    /// the demo's sandbox gateway secret. Default: the data folder. With several servers, point
    /// each at one copy (a mounted secret volume, read-only once made).
    #[arg(long, global = true, env = "MOTCUA_KEYS_DIR")]
    keys_dir: Option<PathBuf>,
    /// A file of settings kept out of the command line and the process list, one
    /// `NAME=value` per line (`MOTCUA_PAYMENT_SECRET=…`, `MOTCUA_SMTP_URL=…`,
    /// `AWS_SECRET_ACCESS_KEY=…`; `#` starts a comment): each applies as if set in the
    /// environment, unless the environment sets it already. The same file for every server.
    #[arg(long, global = true, env = "MOTCUA_SECRETS_FILE")]
    secrets_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

// The command line is parsed once; `serve`'s many options make it the large variant, which
// boxing would only make harder to read.
#[allow(clippy::large_enum_variant)]
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
        /// Cookies without `Secure` and the `__Host-` prefix, for plain-HTTP development; on by
        /// itself with --demo. In production the server sits behind TLS and cookies are Secure.
        #[arg(long, env = "MOTCUA_INSECURE_COOKIES")]
        insecure_cookies: bool,
        /// A reverse proxy in front of the server (an address or a network, e.g. 10.0.0.0/8),
        /// whose X-Forwarded-For / Forwarded header names the client for rate limits and
        /// sign-in throttling; repeat the option or separate with commas.
        #[arg(long = "trusted-proxy", env = "MOTCUA_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
        trusted_proxies: Vec<ipnet::IpNet>,
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
        /// The payment gateway's payment address (HMAC-signed redirect protocol). Without it fees
        /// are paid at the counter, except with --demo, where the built-in sandbox gateway takes
        /// payments (no real money).
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
        /// Serve Prometheus metrics at /metrics (requests, latency, jobs, database pool). They
        /// show how busy the server is: keep /metrics from the public at the proxy.
        /// MOTCUA_METRICS takes true/false, 1/0, yes/no or on/off.
        #[arg(long, env = "MOTCUA_METRICS", value_parser = clap::builder::BoolishValueParser::new())]
        metrics: bool,
        #[command(flatten)]
        services: Box<ServiceOptions>,
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
    /// Back up into a new folder what a server needs to start again: the database (SQLite: a
    /// consistent copy taken while the server runs; PostgreSQL: `pg_dump`'s custom format), the
    /// keys folder (audit key, result keys, certificates) and the attachments kept in the data
    /// folder. Keep the folder private: it holds the keys.
    Backup {
        /// The folder to make; it must not exist or be empty.
        to: PathBuf,
    },
    /// Restore a folder made by `motcua backup` into this (stopped) server's empty data folder
    /// or database, and its keys folder; then check every dossier history against the restored
    /// audit key (exits 1 if any is not intact).
    Restore {
        /// The backup folder.
        from: PathBuf,
    },
    /// Move this centre's SQLite database into a new, empty PostgreSQL database, for a centre
    /// that outgrows the embedded engine. Stop the server first: writes made after the move
    /// starts are not carried. Every row is copied in one transaction, the tables' counts are
    /// compared, and every dossier history is checked against the audit key. The keys folder
    /// and the attachments stay where they are: start afterwards with `--database-url` and the
    /// same `--data` (or `--keys-dir`).
    MigrateToPostgres {
        /// The SQLite database file (default: motcua.db in the data folder).
        #[arg(long)]
        from: Option<PathBuf>,
        /// The PostgreSQL database, e.g. postgres://motcua@db/motcua: new and empty.
        #[arg(long)]
        to: String,
    },
    /// The stored attachments and documents.
    Blobs {
        #[command(subcommand)]
        command: BlobsCommand,
    },
    /// The Decision 766 indicators' counters.
    Indicators {
        #[command(subcommand)]
        command: IndicatorsCommand,
    },
    /// The keys that sign electronic results, in <data>/keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The agencies' signing certificates, in <data>/pki: the deciding agency signs the
    /// electronic results it issues (PAdES).
    Ca {
        #[command(subcommand)]
        command: CaCommand,
    },
    /// The agencies of the catalog.
    Agency {
        #[command(subcommand)]
        command: AgencyCommand,
    },
    /// The procedure catalog.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Tokens of other systems (the national portal, the provincial data-exchange platform)
    /// for the integration routes.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Webhooks: other systems subscribing to dossier and payment events.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
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
        /// Spread the dossiers evenly over this many years, nothing older than 40 days left
        /// open (a province's history), instead of the past year with a third open.
        #[arg(long, conflicts_with = "open_only")]
        years: Option<u32>,
        /// First grow the demo catalog to this many units (departments and communes) by
        /// copying the demo's.
        #[arg(long)]
        units: Option<usize>,
        /// First grow the demo catalog to this many procedures by copying the demo's.
        #[arg(long)]
        procedures: Option<usize>,
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

/// The options of `serve` for the services it reaches or is checked against, and where it
/// writes outside its data folder, in one box so that the command enum stays small.
#[derive(clap::Args)]
struct ServiceOptions {
    #[command(flatten)]
    sms: SmsOptions,
    #[command(flatten)]
    pdf_signatures: PdfSignatureOptions,
    #[command(flatten)]
    national_portal: NationalPortalOptions,
    /// Also append each day's signed audit checkpoint, one JSON line, to this file: best on
    /// storage the server cannot rewrite (an append-only mount, a log host).
    #[arg(long, env = "MOTCUA_AUDIT_CHECKPOINT_FILE")]
    audit_checkpoint_file: Option<PathBuf>,
    /// An OpenID Connect provider to sign in through, one button each on the sign-in page
    /// (repeat the option; in the environment, separate providers with `;`):
    /// `name=vneid,issuer=https://…,client-id=…[,client-secret=…][,label=VNeID]
    /// [,audience=citizens|officers][,id-claim=id_number][,officer-claim=preferred_username]
    /// [,assurance=vneid][,scopes=profile email]`. The secret may instead be in
    /// `MOTCUA_OIDC_<NAME>_SECRET`. Register `<public-url>/dang-nhap/oidc/<name>/callback` as the
    /// redirect address with the provider.
    #[arg(long = "oidc", env = "MOTCUA_OIDC", value_delimiter = ';', value_parser = motcua_app::identity::IdentityProvider::parse)]
    oidc: Vec<motcua_app::identity::IdentityProvider>,
    /// A JSON file of the Decision 766 indicators' targets and points, each entry overriding
    /// the table shipped: `{"2.1": {"target": 95}, "3.6": {"target": 30, "max_points": 10}}`
    /// (codes 2.1, 2.2, 3.1, 3.3, 3.6, 4.1, 4.2, 4.3, 5.4; targets in per cent, 2.2 in days).
    #[arg(long, env = "MOTCUA_INDICATOR_TARGETS")]
    indicator_targets: Option<PathBuf>,
    /// Jobs (e-mails, SMS, reminders, reports) run side by side on this server; every server
    /// of one database runs its own, and they never take the same job.
    #[arg(long, env = "MOTCUA_WORKERS", default_value_t = worker::DEFAULT_WORKERS as u16,
        value_parser = clap::value_parser!(u16).range(1..=64))]
    workers: u16,
    /// The folder of the applicants' message templates (`notify.vi.ftl`, `notify.en.ftl`)
    /// overriding the built-in ones; the same folder for every server. Default: the data
    /// folder's templates/.
    #[arg(long, env = "MOTCUA_TEMPLATES_DIR")]
    templates_dir: Option<PathBuf>,
}

/// The link with the National Public Service Portal (shared/API.md "National portal link").
#[derive(clap::Args)]
struct NationalPortalOptions {
    /// The portal's receiving address: every change of status of a dossier it handed over is
    /// POSTed to <URL>/status, in order per dossier, retried until it answers 2xx. Without it
    /// nothing is sent (dossiers still come in through /api/v1/integration/dossiers).
    #[arg(long, env = "MOTCUA_NATIONAL_PORTAL_URL")]
    national_portal_url: Option<String>,
    /// The bearer token the portal gave the province for its calls.
    #[arg(long, env = "MOTCUA_NATIONAL_PORTAL_TOKEN", hide_env_values = true)]
    national_portal_token: Option<String>,
    /// Which dossiers' changes are sent: `portal` (those the portal handed over) or `all`.
    #[arg(long, env = "MOTCUA_NATIONAL_PORTAL_SYNC", default_value = "portal", value_parser = ["portal", "all"])]
    national_portal_sync: String,
}

impl NationalPortalOptions {
    /// Which dossiers are reported, and where to: nothing without a URL.
    fn receiver(&self) -> Result<Option<(NationalSync, std::sync::Arc<dyn StatusReceiver>)>> {
        let Some(url) = self.national_portal_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let portal = motcua_web::national_portal::NationalPortal::new(
            url,
            self.national_portal_token.clone().filter(|t| !t.is_empty()),
            Duration::from_secs(20),
        )
        .map_err(|e| anyhow::anyhow!("--national-portal-url: {e}"))?;
        let sync = if self.national_portal_sync == "all" { NationalSync::All } else { NationalSync::PortalDossiers };
        Ok(Some((sync, std::sync::Arc::new(portal))))
    }
}

/// The PDF signatures: the timestamp authority that makes issued PDFs' signatures B-T, and what
/// the public verification page checks uploaded PDFs' signatures against.
#[derive(clap::Args)]
struct PdfSignatureOptions {
    /// An RFC 3161 timestamp authority (http:// or https://, `application/timestamp-query`): every
    /// PDF signature then carries its timestamp (PAdES B-T). When it does not answer, the act
    /// that would issue the PDF fails (results) or its form waits for its first download
    /// (forms): nothing is issued without the timestamp, since an issued PDF never changes.
    #[arg(long, env = "MOTCUA_TSA_URL")]
    tsa_url: Option<String>,
    /// Root certificates the verification page trusts (PEM files with one or more
    /// certificates, or DER; repeat the option or separate with commas). The test CA's root
    /// (<data>/pki/ca.pem) is trusted as well when it exists.
    #[arg(long, env = "MOTCUA_TRUST_ROOTS", value_delimiter = ',')]
    trust_roots: Vec<PathBuf>,
    /// Certificate revocation lists (DER or PEM) the verification page checks signers against;
    /// without any, it says revocation was not checked.
    #[arg(long, env = "MOTCUA_CRL", value_delimiter = ',')]
    crl: Vec<PathBuf>,
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
    /// Check every dossier's history: its keyed hash chain, its sealed head, and the heads
    /// against the latest signed checkpoint. Names each problem; exits 1 if there is any.
    Verify {
        /// Also check the copy of the checkpoints kept outside the database (the file `serve
        /// --audit-checkpoint-file` appends to): it must be intact, its latest checkpoint still
        /// in the database, and the database no smaller than that checkpoint counted.
        #[arg(long)]
        checkpoint_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BlobsCommand {
    /// Delete the stored objects no record names (left by a transaction that failed after its
    /// upload), written more than --older-than-minutes ago. The worker does it every day.
    Sweep {
        /// Only objects older than this, so that no submission still running loses its files.
        #[arg(long, default_value_t = 60)]
        older_than_minutes: i64,
    },
}

#[derive(Subcommand)]
enum IndicatorsCommand {
    /// Recount the counters of every finished dossier from the dossiers and their histories,
    /// replacing those kept, and say how many rows differed. The server keeps them as events
    /// happen; this is for a check, or after dossiers were written without it.
    Rebuild,
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Import procedures from the national procedure database's export, a JSON or XLSX file (the
    /// format: README.md, "Catalog import"): new procedures, a new version of each changed one
    /// (dossiers received before keep theirs); entries with problems are rejected and reported,
    /// the rest written in one transaction. Prints the report. Servers running on the database
    /// see the change when they restart.
    Import {
        /// The file.
        file: PathBuf,
        /// Read, compare and report; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The report's language: vi or en.
        #[arg(long, default_value = "vi", value_parser = ["vi", "en"])]
        lang: String,
    },
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
enum AgencyCommand {
    /// Every agency: code, short name in document symbols, name.
    List,
    /// Set the short name an agency's document symbols carry (Decree 30/2020 Annex I: `01/QĐ-CAT`)
    /// when usage differs from the initials of its name; without a value, back to the initials.
    /// Servers read it at their next start.
    Abbreviation {
        /// The agency's code, e.g. 000.00.20.H38.
        #[arg(long)]
        agency: String,
        /// Upper-case letters or digits, e.g. CAT.
        value: Option<String>,
    },
    /// Show or set the approval chain of an agency's outgoing documents (specialist → head of
    /// unit → leader): each `--step` in order, the last one a leader's, who signs; `--default`
    /// puts the agency back on the default chain (its leaders). Drafts already submitted keep
    /// the chain they were submitted to.
    Chain {
        /// The agency's code, e.g. 000.00.20.H38.
        #[arg(long)]
        agency: String,
        /// A step: `Name=role:<specialist|leader|clerk>` or `Name=user:<username>`, e.g.
        /// `--step "Trưởng phòng=user:chuyenvien2" --step "Giám đốc=role:leader"`.
        #[arg(long = "step")]
        steps: Vec<String>,
        /// Back to the default chain.
        #[arg(long, conflicts_with = "steps")]
        default: bool,
    },
    /// Set what the portal publishes about an agency from a JSON file — the area it governs
    /// (the provincial committee's names the portal), the address, hotline, e-mail and opening
    /// hours (the service centre's are in every page's footer):
    /// `{"address": {"vi": "…", "en": "…"}, "hotline": "…", "email": "…", "hours": {"vi": "…"}}`.
    /// Without a file, prints what is set. Servers read it at their next start.
    Info {
        /// The agency's code, e.g. 000.00.01.H38.
        #[arg(long)]
        agency: String,
        /// The JSON file.
        file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum CaCommand {
    /// Make a local test CA (never for production) and issue a document-signing certificate to
    /// every agency of the catalog (the demo province's when the database has none yet).
    /// Existing files are kept: run it again after adding agencies.
    Init,
    /// Copy an agency's PKCS#12 file (.p12/.pfx) from the province's CA into the data folder,
    /// replacing its test certificate; or, with --officer, a leader's personal one, with which
    /// the documents they approve are signed in their name before the agency's signature. The
    /// file's password is read from MOTCUA_PKCS12_PASSWORD, else from the first line of standard
    /// input.
    Import {
        /// The agency's code, e.g. 000.00.12.H38.
        #[arg(long, required_unless_present = "officer", conflicts_with = "officer")]
        agency: Option<String>,
        /// The officer's user name.
        #[arg(long)]
        officer: Option<String>,
        /// The PKCS#12 file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum WebhookCommand {
    /// Subscribe a system: prints the secret that signs its deliveries (HMAC-SHA256).
    Add {
        /// The system's name.
        #[arg(long)]
        name: String,
        /// Where deliveries are POSTed (http:// or https://).
        #[arg(long)]
        url: String,
        /// Events, comma separated: dossier.status_changed, payment.settled.
        #[arg(long, value_delimiter = ',', default_value = "dossier.status_changed,payment.settled")]
        events: Vec<String>,
    },
    /// List the subscriptions and their undelivered messages.
    List,
    /// End a subscription by id.
    Revoke {
        /// The subscription's id.
        id: i64,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Make a token for a system and print it: it is shown this once (only its hash is kept).
    Add {
        /// The system's name, recorded with every call it makes, e.g. "Cổng DVC quốc gia".
        #[arg(long)]
        name: String,
        /// What the token opens: `integration` (inbound dossiers, the outbox).
        #[arg(long, default_value = "integration", value_parser = ["integration"])]
        scope: String,
    },
    /// List the tokens: id, system, scope, made, last used, revoked.
    List,
    /// Revoke a token by id: it opens nothing any more.
    Revoke {
        /// The token's id (`motcua token list`).
        id: i64,
    },
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
    /// List the accounts that sign in with a user name (officers and the demo citizens): user
    /// name, roles, agency.
    List,
}

/// Opens the database (the data folder is made first, by `prepare_data_folder`) and applies the
/// migrations not yet applied.
async fn open(cli: &Cli) -> Result<Database> {
    let (url, what) = match postgres_url(cli) {
        Some(u) => (u.to_string(), "the database of --database-url".to_string()),
        _ => (
            Database::sqlite_url_in(&cli.data),
            format!("the SQLite database {}", cli.data.join(DATABASE_FILE).display()),
        ),
    };
    let db = Database::connect(&url).await.with_context(|| format!("cannot open {what}"))?;
    db.migrate().await.with_context(|| format!("cannot update {what} to this version"))?;
    // Under the start-up lock: servers started together on one database and one keys folder
    // make one audit key, not one each.
    let key = db.with_startup_lock(audit_key(keys_home(cli), &db)).await?;
    let db = db.with_audit_key(key);
    motcua_store::audit::seal_earlier_heads(&db).await.context("cannot seal the dossier histories")?;
    Ok(db)
}

/// The key that chains dossier histories, in the data folder: made on first start. A database
/// whose histories are already sealed with a key never gets a new one silently: every history
/// would then fail verification, so a missing key file stops the start instead.
async fn audit_key(data: &Path, db: &Database) -> Result<motcua_store::audit::AuditKey> {
    use motcua_store::audit::AuditKey;
    let path = data.join(AUDIT_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => return AuditKey::from_hex(&text).with_context(|| format!("cannot read {}", path.display())),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("cannot read {}", path.display()))
        }
        Err(_) => {}
    }
    if motcua_store::audit::is_sealed(db).await? {
        bail!(
            "{} is missing, but this database's histories are sealed with an audit key: restore the file from the \
             backup of the data folder (every server of one database needs the same key)",
            path.display()
        );
    }
    let key = AuditKey::generate();
    write_secret(&path, &key.to_hex())?;
    tracing::info!("made the audit key {}: back it up with the database", path.display());
    Ok(key)
}

/// Writes a new secret file readable by this user only, refusing to overwrite one.
fn write_secret(path: &Path, secret: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, secret.as_bytes()).and_then(|()| f.sync_all()))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The database URL --database-url names, when it names one (PostgreSQL); `None` is SQLite in
/// the data folder.
fn postgres_url(cli: &Cli) -> Option<&str> {
    cli.database_url.as_deref().filter(|u| !u.trim().is_empty())
}

/// The command line again once the --secrets-file's settings are in the environment (where the
/// command line and the environment itself still win), or as it was without one.
fn with_secrets(cli: Cli) -> Result<Cli> {
    let Some(file) = &cli.secrets_file else { return Ok(cli) };
    dotenvy::from_path(file).with_context(|| format!("cannot read the secrets file {}", file.display()))?;
    Ok(Cli::parse())
}

/// What of the keys folder a backup carries (see `--keys-dir`).
const SHARED_KEYS: [&str; 4] = [AUDIT_KEY_FILE, SANDBOX_SECRET_FILE, "keys", "pki"];
/// The PostgreSQL dump in a backup folder.
const PG_DUMP_FILE: &str = "motcua.pgdump";

/// `motcua backup TO`.
async fn backup(cli: &Cli, to: &Path) -> Result<()> {
    if std::fs::read_dir(to).is_ok_and(|mut entries| entries.next().is_some()) {
        bail!("{} already holds files: back up into a new folder", to.display());
    }
    prepare_data_folder(to)?;
    let db = open(cli).await?;
    match postgres_url(cli) {
        Some(url) => {
            let dump = to.join(PG_DUMP_FILE);
            let status = std::process::Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(&dump)
                .arg(url)
                .status()
                .context("cannot run pg_dump (Debian's postgresql-client, of the server's version or newer)")?;
            if !status.success() {
                bail!("pg_dump failed ({status})");
            }
            println!("database: {} (pg_dump, custom format)", dump.display());
        }
        _ => {
            let copy = to.join(DATABASE_FILE);
            db.copy_sqlite_into(&copy).await.context("cannot copy the SQLite database")?;
            println!("database: {}", copy.display());
        }
    }
    let keys = to.join("keys-folder");
    for name in SHARED_KEYS {
        let from = keys_home(cli).join(name);
        if from.exists() {
            copy_tree(&from, &keys.join(name))?;
        }
    }
    println!("keys: {}", keys.display());
    match &cli.blob_url {
        None => {
            let (from, copy) = (cli.data.join("attachments"), to.join("attachments"));
            let files = if from.exists() { copy_tree(&from, &copy)? } else { 0 };
            println!("attachments: {files} files in {}", copy.display());
        }
        Some(url) => println!(
            "attachments: left in {url}; back the bucket up with the storage's own means (versioning, replication)"
        ),
    }
    Ok(())
}

/// `motcua restore FROM`.
async fn restore(cli: &Cli, from: &Path) -> Result<()> {
    let keys = from.join("keys-folder");
    if !keys.join(AUDIT_KEY_FILE).exists() {
        bail!("{} is not a backup of motcua: it holds no keys-folder/{AUDIT_KEY_FILE}", from.display());
    }
    for name in SHARED_KEYS {
        if keys_home(cli).join(name).exists() {
            bail!(
                "{} already holds {name}: restore into a new data folder (or --keys-dir), not over a server's",
                keys_home(cli).display()
            );
        }
    }
    match postgres_url(cli) {
        Some(url) => {
            let dump = from.join(PG_DUMP_FILE);
            if !dump.exists() {
                bail!("{} holds no {PG_DUMP_FILE}: it is the backup of a SQLite server", from.display());
            }
            let status = std::process::Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--dbname"])
                .arg(url)
                .arg(&dump)
                .status()
                .context("cannot run pg_restore (Debian's postgresql-client)")?;
            if !status.success() {
                bail!("pg_restore failed ({status}): restore into an empty database");
            }
        }
        _ => {
            let (copy, target) = (from.join(DATABASE_FILE), cli.data.join(DATABASE_FILE));
            if !copy.exists() {
                bail!("{} holds no {DATABASE_FILE}: it is the backup of a PostgreSQL server", from.display());
            }
            if target.exists() {
                bail!("{} exists: restore into a new data folder, not over a server's database", target.display());
            }
            copy_tree(&copy, &target)?;
        }
    }
    for name in SHARED_KEYS {
        if keys.join(name).exists() {
            copy_tree(&keys.join(name), &keys_home(cli).join(name))?;
        }
    }
    if from.join("attachments").exists() {
        let files = copy_tree(&from.join("attachments"), &cli.data.join("attachments"))?;
        println!("attachments: {files} files restored");
    }
    let db = open(cli).await?;
    let v = motcua_store::audit::verify(&db).await?;
    println!("{} dossiers, {} events checked against the restored audit key", v.dossiers, v.events);
    print_findings(&v, "the restored dossier histories")?;
    println!("restored: every history is intact and complete");
    Ok(())
}

/// `motcua migrate-to-postgres`.
async fn migrate_to_postgres(cli: &Cli, from: Option<&Path>, to: &str) -> Result<()> {
    use motcua_store::engine_move;
    let file = from.map(Path::to_path_buf).unwrap_or_else(|| cli.data.join(DATABASE_FILE));
    if !file.is_file() {
        bail!("{} does not exist: name the SQLite database with --from", file.display());
    }
    if motcua_store::Engine::from_url(to).ok() != Some(motcua_store::Engine::Postgres) {
        bail!("--to must name a PostgreSQL database (postgres://user@host/database)");
    }
    let source = Database::connect(&format!("sqlite://{}?mode=rw", file.display()))
        .await
        .with_context(|| format!("cannot open the SQLite database {}", file.display()))?;
    source.migrate().await.with_context(|| format!("cannot update {} to this version", file.display()))?;
    let key = audit_key(keys_home(cli), &source).await?;
    let target = Database::connect(to).await.context("cannot reach the PostgreSQL database of --to")?;
    if !engine_move::is_empty(&target).await? {
        bail!("the database of --to already holds tables: move into a new, empty database (createdb)");
    }
    target.migrate().await.context("cannot create the tables in the database of --to")?;
    let started = std::time::Instant::now();
    let moved = engine_move::copy_sqlite_to_postgres(&source, &target).await.context("the move failed")?;
    println!(
        "{} rows in {} tables copied in {:.1} s",
        moved.rows(),
        moved.tables.len(),
        started.elapsed().as_secs_f64()
    );
    let target = target.with_audit_key(key);
    let v = motcua_store::audit::verify(&target).await?;
    println!("{} dossiers, {} events checked against the audit key", v.dossiers, v.events);
    print_findings(&v, "the moved dossier histories")?;
    println!(
        "moved: start the server with --database-url and the same {} (its keys and attachments stay there)",
        if cli.keys_dir.is_some() { "--keys-dir and --data" } else { "--data" }
    );
    Ok(())
}

/// Copies a file, or a folder and everything in it, to `to` (made as needed, private to this
/// user): how many files.
fn copy_tree(from: &Path, to: &Path) -> Result<u64> {
    let meta = std::fs::metadata(from).with_context(|| format!("cannot read {}", from.display()))?;
    if meta.is_file() {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::copy(from, to).with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
        return Ok(1);
    }
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let mut files = 0;
    for entry in std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry.with_context(|| format!("cannot read {}", from.display()))?;
        files += copy_tree(&entry.path(), &to.join(entry.file_name()))?;
    }
    Ok(files)
}

/// The SQLite database file in the data folder (see `Database::sqlite_url_in`).
const DATABASE_FILE: &str = "motcua.db";
/// The built-in sandbox payment gateway's secret, in the data folder.
const SANDBOX_SECRET_FILE: &str = "sandbox-gateway.secret";
/// The key that chains dossier histories and signs audit checkpoints, in the data folder.
const AUDIT_KEY_FILE: &str = "audit.key";

/// An address (`10.0.0.2`, one host) or a network (`10.0.0.0/8`).
fn parse_network(text: &str) -> std::result::Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{text:?} is neither an address nor a network such as 10.0.0.0/8"))
}

/// Makes the data folder and its missing parents, readable by this user only (0700), before
/// anything is written there, and tightens what an earlier version or a copy left readable by
/// others: the folder, the database files, the sandbox secret and the keys. Files made later
/// are private through the process's umask (set in `main`).
fn prepare_data_folder(data: &Path) -> Result<()> {
    if data.exists() && !data.is_dir() {
        bail!("the data folder {} is a file, not a folder", data.display());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(data).with_context(|| format!("cannot create the data folder {}", data.display()))?;
    #[cfg(unix)]
    tighten_permissions(data)?;
    Ok(())
}

#[cfg(unix)]
fn tighten_permissions(data: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(data).with_context(|| format!("cannot read the data folder {}", data.display()))?;
    // A folder holding other things (`--data /srv`, say) is not changed behind its owner's
    // back: only one that is empty or already holds motcua's files.
    let ours = [DATABASE_FILE, SANDBOX_SECRET_FILE, AUDIT_KEY_FILE, "keys", "attachments", "pki"];
    let is_ours = match std::fs::read_dir(data) {
        Ok(entries) => {
            let names: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
            names.is_empty() || names.iter().any(|n| ours.iter().any(|o| n.as_os_str() == *o))
        }
        Err(_) => false,
    };
    let tighten = |path: &Path, mode: u32| {
        let Ok(meta) = std::fs::symlink_metadata(path) else { return };
        let current = meta.permissions().mode() & 0o777;
        if current & 0o077 == 0 || meta.file_type().is_symlink() {
            return;
        }
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            Ok(()) => {
                tracing::warn!("{} was open to other users (mode {current:03o}); it is now {mode:03o}", path.display())
            }
            Err(e) => tracing::warn!(
                "{} is open to other users (mode {current:03o}) and could not be made {mode:03o}: {e}",
                path.display()
            ),
        }
    };
    if is_ours {
        tighten(data, 0o700);
    } else if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            "the data folder {} is open to other users (mode {:03o}) and holds other things, so it is left as it is: \
             give motcua a folder of its own (--data) or make this one 0700",
            data.display(),
            meta.permissions().mode() & 0o777
        );
    }
    for file in
        [DATABASE_FILE, "motcua.db-wal", "motcua.db-shm", "motcua.db-journal", SANDBOX_SECRET_FILE, AUDIT_KEY_FILE]
    {
        tighten(&data.join(file), 0o600);
    }
    for dir in ["keys", "attachments", "pki", "pki/agencies"] {
        tighten(&data.join(dir), 0o700);
    }
    for dir in ["keys", "pki", "pki/agencies"] {
        if let Ok(files) = std::fs::read_dir(data.join(dir)) {
            for entry in files.filter_map(|e| e.ok()).filter(|e| e.file_type().is_ok_and(|t| t.is_file())) {
                tighten(&entry.path(), 0o600);
            }
        }
    }
    Ok(())
}

/// The payment gateway: the one configured; in demo mode the built-in sandbox, with a secret
/// kept in the data folder (so payments started before a restart still verify); otherwise
/// none: the sandbox marks fees paid without money, so it never runs outside the demo.
fn payment_gateway(
    data: &Path,
    url: &Option<String>,
    merchant: &str,
    secret: &Option<String>,
    name: &str,
    demo: bool,
) -> Result<motcua_app::gateway::GatewayConfig> {
    use motcua_app::gateway::GatewayConfig;
    if let Some(url) = url {
        let secret = secret.clone().filter(|s| !s.is_empty()).context("--payment-url needs --payment-secret")?;
        return Ok(GatewayConfig { name: name.into(), pay_url: Some(url.clone()), merchant: merchant.into(), secret });
    }
    if !demo {
        tracing::warn!(
            "no payment gateway (--payment-url): online payment is off, fees are paid at the counter \
             (the built-in sandbox gateway runs with --demo only)"
        );
        // A fresh secret no one knows: no confirmation can verify.
        return Ok(GatewayConfig::sandbox());
    }
    let path = data.join(SANDBOX_SECRET_FILE);
    let secret = match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => {
            let s = motcua_store::random_id();
            // An empty file left by an interrupted write is replaced.
            let _ = std::fs::remove_file(&path);
            write_secret(&path, &s)?;
            s
        }
    };
    tracing::warn!(
        "demo mode without a payment gateway (--payment-url): the built-in sandbox gateway takes payments, \
         no real money moves"
    );
    Ok(GatewayConfig { secret, ..GatewayConfig::sandbox() })
}

/// The start banner of a freshly loaded demo province: every account, the named ones each on a
/// line, the reception, specialist and leader of every other agency one line per agency.
fn demo_banner(loaded: &motcua_store::demo::Loaded) -> String {
    use std::fmt::Write;
    // `tn20h38`, `cv20h38`, `ld20h38`: the desk, specialist and leader of an agency.
    let per_agency = |user: &str| {
        ["tn", "cv", "ld"]
            .iter()
            .any(|p| user.strip_prefix(p).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())))
    };
    let (mut named, grouped): (Vec<_>, Vec<_>) = loaded.accounts.iter().partition(|(user, _, _)| !per_agency(user));
    named.sort_by_key(|(_, roles, _)| roles != "citizen");
    let mut agencies: Vec<(&str, Vec<&str>)> = Vec::new();
    for (user, _, agency) in &grouped {
        match agencies.iter_mut().find(|(a, _)| a == agency) {
            Some((_, users)) => users.push(user),
            None => agencies.push((agency, vec![user])),
        }
    }
    let width = agencies.iter().map(|(_, users)| users.join(" ").chars().count()).max().unwrap_or(0);
    let mut b = String::new();
    let _ = writeln!(b, "\n==================== DEMO MODE ====================");
    let _ = writeln!(
        b,
        "Loaded {}: {} procedures ({} with a placeholder fee, see SOURCES.md), {} historical dossiers, \
         {} official documents and {} weekly online briefings.",
        loaded.province,
        loaded.procedures,
        loaded.placeholder_fees,
        loaded.dossiers,
        loaded.office.documents,
        loaded.office.meetings
    );
    let _ = writeln!(
        b,
        "{} demo accounts, all with password `demo` — never use demo mode in production:",
        loaded.accounts.len()
    );
    for (user, roles, agency) in &named {
        let _ = writeln!(b, "{}", format!("  {user:<12} {roles:<12} {agency}").trim_end());
    }
    if !agencies.is_empty() {
        let _ = writeln!(b, "Desk (tn…), specialist (cv…) and leader (ld…) of every other agency:");
        for (agency, users) in &agencies {
            let _ = writeln!(b, "  {:<width$}  {agency}", users.join(" "));
        }
    }
    let _ = writeln!(
        b,
        "Find them again in README.md (\"Demo accounts\") or with `motcua user list`; every one uses password `demo`."
    );
    let _ = writeln!(b, "===================================================");
    b
}

/// Prints every finding of a verification, and fails naming how many when there is any.
fn print_findings(v: &motcua_store::audit::Verification, histories: &str) -> Result<()> {
    for f in &v.findings {
        println!("{}", describe(f));
    }
    if !v.is_clean() {
        bail!("{} problems found in {histories}", v.findings.len());
    }
    Ok(())
}

/// One finding of `audit verify` as a line an auditor reads: the problem's name first.
fn describe(f: &motcua_store::audit::Finding) -> String {
    use motcua_store::audit::Problem;
    let code = &f.dossier_code;
    match &f.problem {
        Problem::Altered { event_id } => {
            format!("ALTERED EVENT: dossier {code}: the chain breaks at event {event_id} (edited, or one before it deleted)")
        }
        Problem::Recomputed { event_id } => format!(
            "RECOMPUTED CHAIN: dossier {code}: event {event_id} carries a plain SHA-256 recomputed without the audit key"
        ),
        Problem::DeletedEvents { recorded, present } => {
            format!("DELETED EVENTS: dossier {code}: {recorded} events were recorded, {present} are left")
        }
        Problem::ChangedFields { fields } => {
            format!("CHANGED DOSSIER: dossier {code}: {} changed outside motcua", fields.join(", "))
        }
        Problem::Unsealed => format!("UNSEALED: dossier {code}: its history's head carries no seal"),
        Problem::DeletedHistory { checkpoint_at } => format!(
            "DELETED HISTORY: dossier {code} was in the checkpoint of {} and is no longer in the database",
            checkpoint_at.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        Problem::CheckpointAltered { checkpoint_id } => {
            format!("ALTERED CHECKPOINT: checkpoint {checkpoint_id} does not match its signature")
        }
        Problem::ExternalLineAltered { line } => {
            format!("ALTERED CHECKPOINT FILE: line {line} is not a checkpoint signed with the audit key after the one before")
        }
        Problem::CheckpointMissing { checkpoint_at } => format!(
            "MISSING CHECKPOINT: the checkpoint of {} in the checkpoint file is no longer in the database",
            checkpoint_at.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        Problem::FewerThanCheckpoint { checkpoint_at, counted, present } => format!(
            "DELETED HISTORIES: the checkpoint of {} counted {} dossiers and {} events; the database holds {} and {}",
            checkpoint_at.format("%Y-%m-%d %H:%M:%S UTC"),
            counted.0,
            counted.1,
            present.0,
            present.1
        ),
    }
}

/// How long requests in progress may take to finish once the server is asked to stop.
const REQUEST_DRAIN: Duration = Duration::from_secs(30);

/// Resolves at the first Ctrl-C (SIGINT) or SIGTERM, the signal service managers (systemd,
/// Docker, Kubernetes) send to stop a service, naming it. Listening starts here, before the
/// server runs, so that a signal arriving early is not missed.
#[cfg(unix)]
fn stop_signal() -> Result<impl std::future::Future<Output = &'static str>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "Ctrl-C",
        }
    })
}

/// Resolves at the first Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> Result<impl std::future::Future<Output = &'static str>> {
    Ok(async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            Err(_) => std::future::pending().await,
        }
    })
}

/// `motcua ca init`: the test CA and a certificate for every agency of the catalog (of the demo
/// province when the database has no agency yet), keeping the files already there.
async fn ca_init(db: &Database, pki: &Path) -> Result<()> {
    let mut agencies = motcua_store::catalog::agencies(db).await?;
    if agencies.is_empty() {
        agencies = motcua_store::demo::province()?.agencies;
    }
    // Leaders sign official documents in their own name before the agency does.
    let names: std::collections::HashMap<String, String> =
        agencies.iter().map(|a| (a.code.clone(), a.name.clone())).collect();
    let officers: Vec<motcua_app::pki::OfficerToCertify> = motcua_store::users::with_usernames(db)
        .await?
        .into_iter()
        .filter(|u| u.has(motcua_domain::actor::Role::Leader))
        .filter_map(|u| {
            let agency = names.get(u.agency_code.as_deref()?)?.clone();
            Some(motcua_app::pki::OfficerToCertify { username: u.username?, name: u.full_name, agency })
        })
        .collect();
    let agencies = motcua_app::pki::AgencyToCertify::from_catalog(&agencies);
    let dir = pki.to_path_buf();
    let (report, people) = tokio::task::spawn_blocking(move || {
        let report = motcua_app::pki::init_test_ca(&dir, &agencies)?;
        motcua_app::pki::certify_officers(&dir, &officers).map(|people| (report, people))
    })
    .await?
    .with_context(|| format!("cannot make the test CA in {}", pki.display()))?;
    eprintln!(
        "{} test CA in {} (trust {} in validators; never use it in production): {} agency and {} personal \
         certificates issued, {} kept",
        if report.ca_created { "made the" } else { "kept the" },
        pki.display(),
        pki.join(motcua_app::pki::CA_CERTIFICATE_FILE).display(),
        report.issued.len(),
        people.issued.len(),
        report.kept.len() + people.kept.len()
    );
    Ok(())
}

/// The folder of the keys every server shares: --keys-dir, or the data folder.
fn keys_home(cli: &Cli) -> &Path {
    cli.keys_dir.as_deref().unwrap_or(&cli.data)
}

/// Where the private keys that seal results live.
fn keys_dir(cli: &Cli) -> PathBuf {
    keys_home(cli).join("keys")
}

/// Where the agencies' signing certificates (and the demo's test CA) live.
fn pki_dir(cli: &Cli) -> PathBuf {
    motcua_app::pki::pki_dir(keys_home(cli))
}

/// The attachment store: the one --blob-url names, or the data folder's attachments/.
fn blobs(cli: &Cli) -> Result<Blobs> {
    Ok(match &cli.blob_url {
        Some(url) => Blobs::from_url(url)?,
        None => Blobs::local(cli.data.join("attachments"))?,
    })
}

/// Which log lines are kept: `RUST_LOG` as targets and levels (`info,sqlx=warn`,
/// `motcua_web=debug`), INFO and `sqlx` at WARN when unset. A static filter: the span-field
/// directives of `EnvFilter` made every request's log span take a lock on entering and leaving.
fn log_filter() -> tracing_subscriber::filter::Targets {
    const DEFAULT: &str = "info,sqlx=warn";
    let asked = std::env::var("RUST_LOG").ok().filter(|v| !v.trim().is_empty());
    match asked.as_deref().map(str::parse) {
        Some(Ok(targets)) => targets,
        Some(Err(e)) => {
            eprintln!("motcua: RUST_LOG is not a list of targets and levels ({e}); logging at {DEFAULT}");
            DEFAULT.parse().expect("the default filter parses")
        }
        None => DEFAULT.parse().expect("the default filter parses"),
    }
}

fn main() -> ExitCode {
    // Everything this process creates (database and its -wal/-shm files, attachments, templates,
    // secrets, keys) is readable by this user only.
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file-creation mask; no thread runs yet.
    #[allow(unsafe_code)]
    unsafe {
        libc::umask(0o077);
    }
    // Buffers of a megabyte or more (a file being verified, a PDF being made) go back to the
    // system when freed. By default glibc raises this threshold to the largest buffer freed so
    // far, and from then on such buffers come from the heap of the thread that asked, which keeps
    // them: 32 uploads of 10 MB checked one after the other on different threads took the server
    // to 93–104 MB resident instead of under 100 (crates/motcua/tests/verify_memory.rs).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; no thread runs yet.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
    // Logs go to stderr, leaving stdout to what a command prints (`user list`, `openapi`), and
    // carry colour codes only for a person at a terminal, not into a journal or a file.
    // The lines are written out in batches by a thread of their own (see `log`); what is
    // buffered is written out when the program ends.
    use std::io::IsTerminal;
    let (writer, log_guard) = log::batched_stderr();
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            ),
        )
        .with(log_filter())
        .init();
    let cli = match with_secrets(Cli::parse()) {
        Ok(cli) => cli,
        Err(e) => {
            drop(log_guard);
            eprintln!("motcua: {}", one_sentence(&e));
            return ExitCode::FAILURE;
        }
    };
    let result = tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")
        .and_then(|runtime| runtime.block_on(run(cli)));
    // Every line logged so far reaches stderr before the last word below.
    drop(log_guard);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
                eprintln!("motcua: {e:?}");
            } else {
                eprintln!("motcua: {}", one_sentence(&e));
            }
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes on one line, joined with ": ", leaving out a cause whose text its
/// parent already repeats (as "database error: {0}" does).
fn one_sentence(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || line.contains(text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(text);
    }
    line.replace('\n', " ")
}

async fn run(cli: Cli) -> Result<()> {
    if !matches!(cli.command, Command::Healthcheck { .. } | Command::Openapi) {
        prepare_data_folder(&cli.data)?;
        if let Some(keys) = &cli.keys_dir {
            prepare_data_folder(keys)?;
        }
    }
    match &cli.command {
        Command::Serve {
            addr,
            demo,
            demo_dossiers,
            code_pattern,
            insecure_cookies,
            trusted_proxies,
            form_numbering,
            place,
            public_url,
            payment_url,
            payment_merchant,
            payment_secret,
            payment_name,
            smtp_url,
            mail_from,
            metrics,
            services,
        } => {
            let (sms, pdf_signatures) = (&services.sms, &services.pdf_signatures);
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
            // Bound before the database is filled, so that a taken address stops at once.
            let listener =
                tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
            let local = listener.local_addr().with_context(|| format!("cannot listen on {addr}"))?;
            let address = match local {
                SocketAddr::V4(a) if a.ip().is_unspecified() => format!("http://127.0.0.1:{}", a.port()),
                SocketAddr::V6(a) if a.ip().is_unspecified() => format!("http://[::1]:{}", a.port()),
                a => format!("http://{a}"),
            };
            let public_url = public_url.clone().unwrap_or_else(|| address.clone());
            let national_portal = services.national_portal.receiver()?;
            let db = match &national_portal {
                Some((sync, _)) => open(&cli).await?.with_national_sync(*sync),
                None => open(&cli).await?,
            };
            let mut banner = String::new();
            if *demo {
                // Under the start-up lock, so that of servers starting together on one
                // PostgreSQL database exactly one loads the province.
                let loaded = db
                    .with_startup_lock(async {
                        if !motcua_store::demo::is_empty(&db).await? {
                            return Ok::<_, anyhow::Error>(None);
                        }
                        let hash = motcua_app::passwords::hash_password("demo".into())
                            .await
                            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                        let loaded = motcua_store::demo::load(&db, &hash, *demo_dossiers)
                            .await
                            .context("cannot load the demo province")?;
                        Ok(Some(loaded))
                    })
                    .await?;
                banner = match loaded {
                    Some(loaded) => demo_banner(&loaded),
                    None => "DEMO MODE: the database is not empty, so the demo province was not loaded again. \
                             Demo accounts use password `demo`; `motcua user list` (with the same --data or \
                             --database-url) lists every account.\n"
                        .to_string(),
                };
            }
            let pki = pki_dir(&cli);
            let keys = keys_dir(&cli);
            // What is missing in the keys folder (the sandbox secret, the demo's test CA, the
            // first result key) is made under the start-up lock, so that servers sharing the
            // folder make one of each.
            let payment = db
                .with_startup_lock(async {
                    let payment = payment_gateway(
                        keys_home(&cli),
                        payment_url,
                        payment_merchant,
                        payment_secret,
                        payment_name,
                        *demo,
                    )?;
                    if *demo && !pki.join(motcua_app::pki::CA_FILE).exists() {
                        // The demo signs out of the box: a test CA and a certificate for every agency.
                        ca_init(&db, &pki).await?;
                    }
                    // Opened here first for a clear error: the server's own opening reports no cause.
                    motcua_signing::KeyRing::open(&keys)
                        .with_context(|| format!("cannot open the signing keys in {}", keys.display()))?;
                    Ok::<_, anyhow::Error>(payment)
                })
                .await?;
            let signers = motcua_app::pki::Signers::load(&pki)
                .with_context(|| format!("cannot open the agencies' signing certificates in {}", pki.display()))?;
            if signers.is_empty() {
                tracing::warn!(
                    "no agency signing certificate in {} (motcua ca import, or ca init for a test CA): \
                     electronic results carry the system's seal only",
                    pki.display()
                );
            }
            let trust = motcua_app::pki::load_trust(&pki, &pdf_signatures.trust_roots, &pdf_signatures.crl)
                .context("cannot read the trust roots or CRLs of the verification page")?;
            if trust.roots().is_empty() {
                tracing::warn!(
                    "no trust roots (--trust-roots, MOTCUA_TRUST_ROOTS): the verification page reports every PDF \
                     signature as not chaining to a trusted root"
                );
            }
            let timestamp_authority = match pdf_signatures.tsa_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                Some(url) => {
                    let tsa = motcua_web::tsa_client::HttpTimestampAuthority::new(url, motcua_web::tsa_client::TIMEOUT)
                        .map_err(|e| anyhow::anyhow!("--tsa-url: {e}"))?;
                    let tsa: std::sync::Arc<dyn motcua_signing::tsa::TimestampAuthority> = std::sync::Arc::new(tsa);
                    Some(tsa)
                }
                None => None,
            };
            let mut provider_names = std::collections::HashSet::new();
            if let Some(twice) = services.oidc.iter().find(|p| !provider_names.insert(p.name.as_str())) {
                anyhow::bail!("--oidc: two providers are named {:?}", twice.name);
            }
            let indicator_targets = match &services.indicator_targets {
                Some(file) => {
                    let text = std::fs::read_to_string(file)
                        .with_context(|| format!("cannot read the indicator targets {}", file.display()))?;
                    motcua_domain::indicators::Targets::from_json(&text)
                        .with_context(|| format!("--indicator-targets {}", file.display()))?
                }
                None => motcua_domain::indicators::Targets::default(),
            };
            let config = Config {
                code_pattern,
                secure_cookies: !(*insecure_cookies || *demo),
                trusted_proxies: trusted_proxies.clone(),
                form_numbering,
                place: place.clone(),
                public_url: public_url.clone(),
                payment,
                demo: *demo,
                keys_dir: Some(keys_dir(&cli)),
                metrics: *metrics,
                signers: std::sync::Arc::new(signers),
                trust: std::sync::Arc::new(trust),
                timestamp_authority,
                audit_checkpoint_file: services.audit_checkpoint_file.clone(),
                identity_providers: services.oidc.clone(),
                indicator_targets,
                ..Config::default()
            };
            let state =
                AppState::new(db, blobs(&cli)?, config).await.map_err(|e| anyhow::anyhow!("cannot start: {e:?}"))?;
            let handlers =
                motcua_app::jobs::alerts::register(worker::handlers(mailer.clone()), state.clone(), mailer.clone());
            let mailer_for_reports = mailer.clone();
            let templates = motcua_app::jobs::notify::Templates {
                dir: Some(services.templates_dir.clone().unwrap_or_else(|| cli.data.join("templates"))),
            };
            let handlers = motcua_app::jobs::notify::register(handlers, state.clone(), mailer, sms, templates);
            let handlers = motcua_app::jobs::audit::register(handlers, state.clone());
            let handlers = motcua_app::jobs::blob_sweep::register(handlers, state.clone());
            let handlers = motcua_app::payments::register(handlers, state.clone());
            let handlers = motcua_app::jobs::monthly_report::register(handlers, state.clone(), mailer_for_reports);
            let worker = worker::start(
                state.db.clone(),
                handlers,
                WorkerConfig { workers: usize::from(services.workers), ..WorkerConfig::default() },
            );
            let alerts = motcua_app::jobs::alerts::start(state.clone());
            let refusal_summaries = tokio::spawn(motcua_app::payments::summarise_refusals_each_minute(state.clone()));
            let webhooks = motcua_web::webhook_client::WebhookClient::new(Duration::from_secs(20))
                .map_err(|e| anyhow::anyhow!("cannot make the webhook client: {e}"))?;
            let receivers = Receivers {
                national: national_portal.map(|(_, receiver)| receiver),
                webhooks: Some(std::sync::Arc::new(webhooks)),
            };
            let config = SenderConfig { public_url: public_url.clone(), ..SenderConfig::default() };
            let outbound = outbound::start(state.db.clone(), receivers, config);
            tracing::info!("motcua listening on http://{local}");
            eprintln!("{banner}\n    motcua is ready: open {public_url} in a browser (Ctrl+C stops it)\n");
            let stop = stop_signal()?;
            let (stopping, mut stopping_seen) = tokio::sync::watch::channel(false);
            let app = motcua_web::app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
            let server = axum::serve(listener, app).with_graceful_shutdown(async move {
                let signal = stop.await;
                tracing::info!("{signal}: stopping; no new connections, finishing the requests in progress");
                let _ = stopping.send(true);
            });
            // Requests still running this long after the signal are cut off, so that a stuck
            // client cannot hold the stop past the service manager's patience.
            let drained = async {
                let _ = stopping_seen.wait_for(|stopping| *stopping).await;
                tokio::time::sleep(REQUEST_DRAIN).await;
            };
            tokio::select! {
                served = server.into_future() => served.context("the server failed")?,
                () = drained => tracing::warn!(
                    "requests still in progress {} s after the stop signal are cut off",
                    REQUEST_DRAIN.as_secs()
                ),
            }
            alerts.abort();
            refusal_summaries.abort();
            let _ = alerts.await;
            // The job in hand is finished (an e-mail is never cut off mid-send) unless it takes
            // longer than this; then its lease expires and the next start runs it again.
            if tokio::time::timeout(Duration::from_secs(40), worker.stop()).await.is_err() {
                tracing::warn!("the job worker did not stop in time; its job will run again after its lease");
            }
            if tokio::time::timeout(Duration::from_secs(30), outbound.stop()).await.is_err() {
                tracing::warn!("messages in flight to other systems are sent again after their lease");
            }
            // Officers' reads are written in batches: the last one is written before leaving.
            state.reads.flush().await;
            state.db.close().await;
            tracing::info!("motcua stopped");
        }
        Command::Webhook { command } => {
            let db = open(&cli).await?;
            match command {
                WebhookCommand::Add { name, url, events } => {
                    let events: Vec<&str> = events.iter().map(|e| e.trim()).filter(|e| !e.is_empty()).collect();
                    let (secret, id) = motcua_app::national::add_webhook(&db, name, url, &events)
                        .await
                        .map_err(|e| anyhow::anyhow!("cannot subscribe: {e:?}"))?;
                    eprintln!("subscription {id} for {name} at {url}; its signing secret (keep it secret):");
                    println!("{secret}");
                }
                WebhookCommand::List => {
                    let unsent = motcua_store::webhooks::deliveries(&db, true, 1000).await?;
                    for s in motcua_store::webhooks::subscriptions(&db).await? {
                        let waiting = unsent.iter().filter(|d| d.subscription_id == s.id).count();
                        println!(
                            "{}\t{}\t{}\t{}\t{} undelivered\t{}",
                            s.id,
                            s.name,
                            s.url,
                            s.events.join(","),
                            waiting,
                            if s.revoked_at.is_some() { "revoked" } else { "active" }
                        );
                    }
                }
                WebhookCommand::Revoke { id } => {
                    motcua_store::webhooks::unsubscribe(&db, *id, chrono::Utc::now())
                        .await
                        .with_context(|| format!("no active subscription {id}"))?;
                    eprintln!("subscription {id} ended");
                }
            }
            db.close().await;
        }
        Command::Token { command } => {
            let db = open(&cli).await?;
            match command {
                TokenCommand::Add { name, scope } => {
                    let scope = Scope::parse(scope).context("unknown scope")?;
                    let (token, id) = motcua_app::national::add_token(&db, name, scope)
                        .await
                        .map_err(|e| anyhow::anyhow!("cannot make the token: {e:?}"))?;
                    eprintln!("token {id} for {name} ({}); shown this once, keep it secret:", scope.as_str());
                    println!("{token}");
                }
                TokenCommand::List => {
                    for t in motcua_store::system_tokens::list(&db).await? {
                        let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
                            t.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "-".into())
                        };
                        println!(
                            "{}\t{}\t{}\tmade {}\tlast used {}\t{}",
                            t.id,
                            t.name,
                            t.scope.as_str(),
                            when(Some(t.created_at)),
                            when(t.last_used_at),
                            t.revoked_at
                                .map(|r| format!("revoked {}", when(Some(r))))
                                .unwrap_or_else(|| "active".into())
                        );
                    }
                }
                TokenCommand::Revoke { id } => {
                    motcua_store::system_tokens::revoke(&db, *id, chrono::Utc::now())
                        .await
                        .with_context(|| format!("no active token {id}"))?;
                    eprintln!("token {id} revoked");
                }
            }
            db.close().await;
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
                use motcua_app::passwords::{check_new_password, WeakPassword};
                match check_new_password(&password, 12, &[name.as_str(), username.as_str()]) {
                    Ok(()) => {}
                    Err(WeakPassword::TooShort) => bail!("an officer's password must have at least 12 characters"),
                    Err(WeakPassword::TooLong) => bail!("the password is longer than 1,024 bytes"),
                    Err(WeakPassword::Guessable) => {
                        bail!("this password is common or made of the officer's name: choose a longer, less guessable one")
                    }
                }
                let hash =
                    motcua_app::passwords::hash_password(password).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
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
            UserCommand::List => {
                let db = open(&cli).await?;
                let agencies: std::collections::HashMap<String, String> =
                    motcua_store::catalog::agencies(&db).await?.into_iter().map(|a| (a.code, a.name)).collect();
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                for u in motcua_store::users::with_usernames(&db).await? {
                    let roles = u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",");
                    let agency = u
                        .agency_code
                        .as_ref()
                        .map(|c| format!("{c}  {}", agencies.get(c).map_or("", String::as_str)))
                        .unwrap_or_default();
                    let line = format!("{:<14} {roles:<22} {agency}", u.username.unwrap_or_default());
                    // A closed pipe (`| head`) ends the list quietly.
                    if writeln!(out, "{}", line.trim_end()).is_err() {
                        break;
                    }
                }
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
        Command::Backup { to } => backup(&cli, to).await?,
        Command::Restore { from } => restore(&cli, from).await?,
        Command::MigrateToPostgres { from, to } => migrate_to_postgres(&cli, from.as_deref(), to).await?,
        Command::Blobs { command: BlobsCommand::Sweep { older_than_minutes } } => {
            let db = open(&cli).await?;
            let swept =
                motcua_store::blobs::sweep(&db, &blobs(&cli)?, chrono::TimeDelta::minutes(*older_than_minutes)).await?;
            println!("{} stored objects looked at, {} named by no record deleted", swept.seen, swept.deleted);
        }
        Command::Indicators { command: IndicatorsCommand::Rebuild } => {
            let db = open(&cli).await?;
            let judge = motcua_app::counting::CountingJudge::load(&db)
                .await
                .map_err(|e| anyhow::anyhow!("cannot load the catalog and the calendar: {e:?}"))?;
            let started = std::time::Instant::now();
            let rebuilt = motcua_store::indicator_counts::rebuild(&db, &judge, chrono::Utc::now()).await?;
            println!(
                "counted {} finished dossiers into {} rows in {:.1} s; {} rows differed from those kept",
                rebuilt.dossiers,
                rebuilt.rows,
                started.elapsed().as_secs_f64(),
                rebuilt.differences
            );
        }
        Command::Audit { command: AuditCommand::Verify { checkpoint_file } } => {
            let db = open(&cli).await?;
            let mut v = motcua_store::audit::verify(&db).await?;
            if let Some(path) = checkpoint_file {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the checkpoint file {}", path.display()))?;
                let (findings, latest) = motcua_store::audit::verify_external(&db, &text).await?;
                match latest {
                    Some(cp) => println!(
                        "checkpoint file: latest of {} ({} dossiers, {} events)",
                        cp.at.format("%Y-%m-%d %H:%M:%S UTC"),
                        cp.dossiers,
                        cp.events
                    ),
                    None => println!("checkpoint file: no intact checkpoint in it"),
                }
                v.findings.extend(findings);
            }
            println!("{} dossiers, {} events checked", v.dossiers, v.events);
            match &v.checkpoint {
                Some(cp) => println!(
                    "compared with the checkpoint of {} ({} dossiers, {} events)",
                    cp.at.format("%Y-%m-%d %H:%M:%S UTC"),
                    cp.dossiers,
                    cp.events
                ),
                None => println!("no checkpoint yet: histories deleted whole cannot be named"),
            }
            print_findings(&v, "the dossier histories")?;
            println!("every history is intact and complete");
        }
        Command::Keys { command } => {
            let db = open(&cli).await?;
            let dir = keys_dir(&cli);
            let mut ring = motcua_signing::KeyRing::open(&dir)
                .with_context(|| format!("cannot open the signing keys in {}", dir.display()))?;
            if matches!(command, KeysCommand::Rotate) {
                let old = ring.current().id().to_string();
                let new = ring.rotate()?.id().to_string();
                motcua_app::keys::register_keys(&db, &ring).await?;
                eprintln!("key {new} signs results from now on; {old} is retired (its results still verify)");
            } else {
                motcua_app::keys::register_keys(&db, &ring).await?;
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
        Command::Ca { command: CaCommand::Init } => {
            let db = open(&cli).await?;
            ca_init(&db, &pki_dir(&cli)).await?;
        }
        Command::Ca { command: CaCommand::Import { agency, officer, file } } => {
            let db = open(&cli).await?;
            if let Some(agency) = agency {
                motcua_store::catalog::agency(&db, agency).await.with_context(|| format!("no agency {agency}"))?;
            }
            if let Some(officer) = officer {
                let found = motcua_store::users::find_for_login(&db, std::slice::from_ref(officer)).await?;
                if !found.is_some_and(|f| f.user.is_officer()) {
                    bail!("no officer {officer}");
                }
            }
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let password = match std::env::var("MOTCUA_PKCS12_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
                    line.trim_end_matches(['\n', '\r']).to_string()
                }
            };
            let pki = pki_dir(&cli);
            let imported = match (agency, officer) {
                (Some(agency), _) => motcua_app::pki::import_agency(&pki, agency, &bytes, &password),
                (None, Some(officer)) => motcua_app::pki::import_officer(&pki, officer, &bytes, &password),
                (None, None) => unreachable!("clap requires one of them"),
            };
            let name = imported.with_context(|| format!("cannot import {}", file.display()))?;
            let who = agency.as_deref().or(officer.as_deref()).unwrap_or_default();
            eprintln!("{who} signs as \"{name}\" from the next start of the server");
        }
        Command::Agency { command: AgencyCommand::List } => {
            let db = open(&cli).await?;
            for a in motcua_store::catalog::agencies(&db).await? {
                let set = if a.abbreviation.is_some() { "" } else { " (initials)" };
                println!("{}  {}{set}  {}", a.code, a.symbol_name(), a.name);
            }
        }
        Command::Agency { command: AgencyCommand::Info { agency, file } } => {
            let db = open(&cli).await?;
            if let Some(file) = file {
                let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
                let info: motcua_store::catalog::AgencyInfo = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not an agency's info", file.display()))?;
                match motcua_store::catalog::set_info(&db, agency, Some(&info)).await {
                    Err(motcua_store::StoreError::NotFound) => bail!("no agency {agency}"),
                    other => other?,
                }
                eprintln!("the portal shows it from the next start of the server");
            }
            let a = motcua_store::catalog::agency(&db, agency).await?;
            println!("{}", serde_json::to_string_pretty(&a.info.unwrap_or_default())?);
        }
        Command::Agency { command: AgencyCommand::Abbreviation { agency, value } } => {
            let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
            if let Some(v) = value.filter(|v| !motcua_domain::office::is_abbreviation(v)) {
                bail!("{v:?} cannot be a short name in symbols: 1 to 16 upper-case letters or digits, no '/' or '-'");
            }
            let db = open(&cli).await?;
            match motcua_store::catalog::set_abbreviation(&db, agency, value).await {
                Err(motcua_store::StoreError::NotFound) => bail!("no agency {agency}"),
                other => other?,
            }
            let a = motcua_store::catalog::agency(&db, agency).await?;
            eprintln!(
                "{} signs its documents' symbols as {} from the next start of the server",
                a.name,
                a.symbol_name()
            );
        }
        Command::Agency { command: AgencyCommand::Chain { agency, steps, default } } => {
            use motcua_domain::approval::{ApprovalChain, ApprovalStep, Approver};
            let db = open(&cli).await?;
            motcua_store::catalog::agency(&db, agency).await.with_context(|| format!("no agency {agency}"))?;
            let users = motcua_store::users::with_usernames(&db).await?;
            let ours = |u: &&motcua_store::users::User| u.agency_code.as_deref() == Some(agency.as_str());
            if *default || !steps.is_empty() {
                let mut chain = Vec::with_capacity(steps.len());
                for raw in steps {
                    let Some((name, who)) = raw.split_once('=') else {
                        bail!("{raw:?}: write Name=role:leader or Name=user:<username>")
                    };
                    let approver = match who.trim().split_once(':') {
                        Some(("role", r)) => match Role::parse(r.trim()) {
                            Some(role) => Approver::Role { role },
                            None => bail!("{r:?} is no role"),
                        },
                        Some(("user", u)) => {
                            match users.iter().filter(ours).find(|x| x.username.as_deref() == Some(u.trim())) {
                                Some(x) => Approver::Officer { user_id: x.id },
                                None => bail!("{u:?} is no officer of {agency}"),
                            }
                        }
                        _ => bail!("{who:?}: write role:<role> or user:<username>"),
                    };
                    chain.push(ApprovalStep { name: name.to_string(), approver });
                }
                let is_leader =
                    |id: i64| users.iter().filter(ours).any(|u| u.id == id && u.roles.contains(&Role::Leader));
                let checked = if chain.is_empty() {
                    vec![]
                } else {
                    match ApprovalChain::new(chain, is_leader) {
                        Ok(c) => c.steps().to_vec(),
                        Err(problems) => {
                            let codes: Vec<&str> = problems.iter().map(|p| p.code()).collect();
                            bail!("the chain cannot be used: {}", codes.join(", "))
                        }
                    }
                };
                motcua_store::office_chain::set_approval_chain(&db, agency, &checked, None, chrono::Utc::now()).await?;
            }
            let stored = motcua_store::office_chain::approval_chain(&db, agency).await?;
            if stored.is_empty() {
                println!("(default chain: the agency's leaders approve and sign)");
            }
            for (i, s) in ApprovalChain::kept(stored).steps().iter().enumerate() {
                let who = match &s.approver {
                    Approver::Role { role } => format!("role:{}", role.as_str()),
                    Approver::Officer { user_id } => {
                        let u = users.iter().find(|u| u.id == *user_id);
                        format!("user:{}", u.and_then(|u| u.username.clone()).unwrap_or_else(|| user_id.to_string()))
                    }
                };
                println!("{}. {}  {who}", i + 1, s.name);
            }
        }
        Command::Catalog { command: CatalogCommand::Import { file, dry_run, lang } } => {
            use motcua_app::catalog_import::{self, ImportFailed};
            let lang = if lang == "en" { motcua_app::i18n::Lang::En } else { motcua_app::i18n::Lang::Vi };
            let size = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
            if size > catalog_import::MAX_FILE_BYTES as u64 {
                bail!("{} is larger than {} MB", file.display(), catalog_import::MAX_FILE_BYTES / (1024 * 1024));
            }
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let db = open(&cli).await?;
            let started = std::time::Instant::now();
            let report = match catalog_import::import_into(&db, &bytes, *dry_run).await {
                Ok(report) => report,
                Err(ImportFailed::File(problem)) => {
                    bail!("{}: {}", file.display(), catalog_import::file_problem_text(lang, &problem))
                }
                Err(ImportFailed::Error(e)) => {
                    bail!("{}", lang.t(e.message.unwrap_or(e.kind.message_key())))
                }
            };
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for line in catalog_import::report_lines(lang, &report) {
                if writeln!(out, "{line}").is_err() {
                    break;
                }
            }
            eprintln!("{:.2} s", started.elapsed().as_secs_f64());
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&motcua_web::api::openapi())?);
        }
        Command::Seed { dossiers, seed, open_only, years, units, procedures } => {
            let db = open(&cli).await?;
            if units.is_some() || procedures.is_some() {
                let widened = motcua_store::synthetic::widen(&db, units.unwrap_or(0), procedures.unwrap_or(0)).await?;
                eprintln!("catalog grown by {} units and {} procedures", widened.units, widened.procedures);
            }
            let started = std::time::Instant::now();
            let mix = match (*open_only, *years) {
                (true, _) => Mix::OpenOnly,
                (false, Some(years)) => Mix::History { years },
                (false, None) => Mix::Realistic,
            };
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
