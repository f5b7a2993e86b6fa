//! The national portal simulator on its own, for demos and manual tests (an example, so that
//! `cargo run` in the workspace still runs the server): it prints every status
//! message motcua sends it and what breaks the contract, and can hand motcua a dossier.
//!
//!     cargo run -p motcua-testkit --example national_portal -- serve --addr 127.0.0.1:9090
//!     motcua serve --demo --national-portal-url http://127.0.0.1:9090
//!     cargo run -p motcua-testkit --example national_portal -- send --motcua http://127.0.0.1:8080 \
//!         --token "$(motcua token add --name 'Cổng DVC quốc gia')" --procedure 2.000488 --file ./to-khai.pdf

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use motcua_testkit::national_portal::{portal_dossier, send_dossier, NationalPortalSim, PortalFile};

#[derive(Parser)]
#[command(about = "A stand-in for the National Public Service Portal")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Take status messages at <addr>/status, check them and print them (GET /messages lists them).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9090")]
        addr: SocketAddr,
        /// The bearer token motcua must send (its --national-portal-token).
        #[arg(long)]
        token: Option<String>,
        /// Refuse the first N messages with 503, to see motcua retry.
        #[arg(long, default_value_t = 0)]
        refuse_first: usize,
    },
    /// Hand motcua a dossier as the portal does.
    Send {
        /// motcua's address.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        motcua: String,
        /// A system token of motcua (`motcua token add --name …`).
        #[arg(long)]
        token: String,
        /// The procedure's code.
        #[arg(long)]
        procedure: String,
        /// The portal's code of the dossier (default: one made from the time).
        #[arg(long)]
        code: Option<String>,
        /// The owner's identity number.
        #[arg(long, default_value = "001099000123")]
        id_number: String,
        /// Form answers as a JSON object.
        #[arg(long, default_value = "{}")]
        answers: String,
        /// Documents as KEY=FILE, one per option.
        #[arg(long = "file")]
        files: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match Cli::parse().command {
        Command::Serve { addr, token, refuse_first } => {
            let sim = NationalPortalSim::start(addr, token).await?;
            sim.refuse_next(refuse_first);
            println!("national portal simulator at {} (POST /status, GET /messages)", sim.url());
            let mut seen = 0;
            let mut violations = 0;
            loop {
                sim.wait_until(Duration::from_secs(3600), |taken| taken.len() > seen).await;
                for t in &sim.taken()[seen..] {
                    println!("{} {}", t.at.format("%H:%M:%S%.3f"), t.body);
                }
                seen = sim.taken().len();
                for v in &sim.violations()[violations..] {
                    println!("CONTRACT: {v}");
                }
                violations = sim.violations().len();
            }
        }
        Command::Send { motcua, token, procedure, code, id_number, answers, files } => {
            let code = code.unwrap_or_else(|| format!("G22.99-{}", chrono::Utc::now().format("%y%m%d-%H%M%S")));
            let mut parts = Vec::new();
            for f in &files {
                let (key, path) = f.split_once('=').ok_or("--file takes KEY=FILE")?;
                let path = PathBuf::from(path);
                let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                parts.push(PortalFile { key: key.to_string(), file_name, bytes: std::fs::read(&path)? });
            }
            let keys: Vec<&str> = parts.iter().map(|p| p.key.as_str()).collect();
            let dossier = portal_dossier(&code, &procedure, &id_number, serde_json::from_str(&answers)?, &keys);
            let (status, body) = send_dossier(&motcua, &token, &dossier, parts).await?;
            println!("{status} {body:#}");
            if status >= 300 {
                std::process::exit(1);
            }
        }
    }
    Ok(())
}
