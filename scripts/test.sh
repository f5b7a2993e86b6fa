#!/usr/bin/env bash
# Runs every test of motcua: domain, storage and HTTP tests on SQLite and on PostgreSQL, the
# e-mail tests against a local SMTP server, and the browser tests in headless Chromium. Installs
# and starts what the tests need when it can.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_url="${MOTCUA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v pg_isready >/dev/null 2>&1 || need_apt+=(postgresql-client)
# The e-mail tests deliver to a real SMTP server, aiosmtpd, run by Debian's Python (the first
# python3 on PATH may be another one without the package).
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need_apt+=(python3-aiosmtpd)
# The PDF signature tests validate with Poppler's pdfsig, and sign on a SoftHSM2 token whose
# objects OpenSC's pkcs11-tool writes.
command -v pdfsig >/dev/null 2>&1 || need_apt+=(poppler-utils)
command -v softhsm2-util >/dev/null 2>&1 || need_apt+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need_apt+=(opensc)
# The payment tests check signatures against the `vnpay` package of npm, run by Node.
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# pyHanko, the other validator, goes into a virtualenv of Debian's Python (below).
/usr/bin/python3 -c 'import ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need_apt[*]} from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing: ${need_apt[*]} (install them with apt-get as root)" >&2
    exit 1
  fi
fi

# pyHanko (PyPI), the second validator of the PDF signature tests, in a virtualenv kept between
# runs; pinned, so a new release cannot change what "valid" means under our feet.
pyhanko_venv="${MOTCUA_PYHANKO_VENV:-$HOME/.cache/motcua/pyhanko-0.38.0}"
if [ ! -x "$pyhanko_venv/bin/pyhanko" ]; then
  echo "installing pyHanko into $pyhanko_venv from PyPI"
  /usr/bin/python3 -m venv "$pyhanko_venv"
  "$pyhanko_venv/bin/pip" install --quiet 'pyHanko==0.38.0' 'pyhanko-cli==0.6.0'
fi
export MOTCUA_PYHANKO="$pyhanko_venv/bin/pyhanko"

# The `vnpay` package (npm), an implementation of the payment gateway's protocol no one here
# wrote, kept between runs; pinned, like pyHanko.
vnpay_dir="${MOTCUA_VNPAY_DIR:-$HOME/.cache/motcua/vnpay-2.5.0}"
if [ ! -d "$vnpay_dir/node_modules/vnpay" ]; then
  echo "installing vnpay 2.5.0 into $vnpay_dir from npm"
  mkdir -p "$vnpay_dir"
  npm install --prefix "$vnpay_dir" --no-audit --no-fund --ignore-scripts --save-exact --silent 'vnpay@2.5.0'
fi
export MOTCUA_VNPAY_NODE_MODULES="$vnpay_dir/node_modules"

# axe-core (npm), the accessibility checker the browser tests run on every page they visit,
# kept between runs; pinned, like the others.
axe_dir="${MOTCUA_AXE_DIR:-$HOME/.cache/motcua/axe-core-4.10.3}"
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
  echo "installing axe-core 4.10.3 into $axe_dir from npm"
  mkdir -p "$axe_dir"
  npm install --prefix "$axe_dir" --no-audit --no-fund --ignore-scripts --save-exact --silent 'axe-core@4.10.3'
fi
export MOTCUA_AXE_JS="$axe_dir/node_modules/axe-core/axe.min.js"

# A real OpenID Connect provider for the tests of signing in through VNeID-like providers:
# scripts/oidc-provider/server.js on `oidc-provider` (npm), installed from its lock file into a
# folder kept between runs, named by the pinned version and the lock file's hash.
oidc_version="$(sed -n 's/.*"oidc-provider": "\([^"]*\)".*/\1/p' scripts/oidc-provider/package.json)"
oidc_lock="$(sha256sum scripts/oidc-provider/package-lock.json | cut -c1-12)"
oidc_dir="${MOTCUA_OIDC_PROVIDER_DIR:-$HOME/.cache/motcua/oidc-provider-$oidc_version-$oidc_lock}"
if [ ! -d "$oidc_dir/node_modules/oidc-provider" ]; then
  echo "installing oidc-provider $oidc_version into $oidc_dir from npm"
  mkdir -p "$oidc_dir"
  cp scripts/oidc-provider/package.json scripts/oidc-provider/package-lock.json scripts/oidc-provider/server.js "$oidc_dir/"
  npm ci --prefix "$oidc_dir" --no-audit --no-fund --ignore-scripts --silent
fi
cp scripts/oidc-provider/server.js "$oidc_dir/"
export MOTCUA_OIDC_PROVIDER_DIR="$oidc_dir"

# A real S3 server for the tests of attachments in S3-compatible storage (crates/web/tests/blobs.rs):
# s3s-fs from crates.io, pinned, built once into a folder kept between runs (a debug build: under
# a minute on two cores, and fast enough for tests), serving a temporary folder for this run only,
# on a free port.
s3s_version=0.14.1
s3s_dir="${MOTCUA_S3S_DIR:-$HOME/.cache/motcua/s3s-fs-$s3s_version}"
if [ ! -x "$s3s_dir/bin/s3s-fs" ]; then
  echo "installing s3s-fs $s3s_version into $s3s_dir from crates.io"
  cargo install --quiet --locked --debug --root "$s3s_dir" --features binary "s3s-fs@$s3s_version"
fi
s3_data="$(mktemp -d)"
mkdir -p "$s3_data/bucket/motcua-test"
s3_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$s3s_dir/bin/s3s-fs" --host 127.0.0.1 --port "$s3_port" --access-key motcua-test --secret-key motcua-test-secret \
  "$s3_data/bucket" >"$s3_data/log" 2>&1 &
s3_pid=$!
trap 'kill "$s3_pid" 2>/dev/null || true; rm -rf "$s3_data"' EXIT
for _ in $(seq 1 100); do (echo >"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null && break; sleep 0.1; done
if ! (echo >"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null; then
  echo "the S3 server did not start:" >&2
  cat "$s3_data/log" >&2
  exit 1
fi
export MOTCUA_TEST_BLOB_URL=s3://motcua-test AWS_ACCESS_KEY_ID=motcua-test AWS_SECRET_ACCESS_KEY=motcua-test-secret \
  AWS_ENDPOINT="http://127.0.0.1:$s3_port" AWS_ALLOW_HTTP=true AWS_DEFAULT_REGION=us-east-1

# PostgreSQL at 127.0.0.1:5432 must be up: start the local cluster if it is not.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable at 127.0.0.1:5432 ($pg_url)" >&2; exit 1; }

# The domain and signing crates stay free of the database, the web and the runtime.
for crate in motcua-domain motcua-signing; do
  if cargo tree -p "$crate" -e normal --prefix none 2>/dev/null | grep -Eq '^(sqlx|axum|tokio|hyper|object_store|reqwest) '; then
    echo "$crate depends on an I/O crate:" >&2
    cargo tree -p "$crate" -e normal --prefix none | grep -E '^(sqlx|axum|tokio|hyper|object_store|reqwest) ' >&2
    exit 1
  fi
done
# The application core knows no HTTP: no web framework, templates, OpenAPI or HTTP stack.
if cargo tree -p motcua-app -e normal --prefix none 2>/dev/null | grep -Eq '^(axum|axum-core|askama|utoipa|tower|tower-http|hyper|reqwest) '; then
  echo "motcua-app depends on an HTTP crate:" >&2
  cargo tree -p motcua-app -e normal --prefix none | grep -E '^(axum|axum-core|askama|utoipa|tower|tower-http|hyper|reqwest) ' | sort -u >&2
  exit 1
fi
# No module imports one that imports it back.
python3 scripts/import_cycles.py crates/domain/src crates/app/src crates/web/src

# Formatting, lints and unused dependencies, before the long part.
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
if ! command -v cargo-machete >/dev/null 2>&1; then
  echo "installing cargo-machete (unused dependencies) from crates.io"
  cargo install cargo-machete --locked --quiet
fi
cargo machete

export MOTCUA_TEST_POSTGRES_URL="$pg_url"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --profile ci "$@"
else
  cargo test --workspace "$@"
fi

# The parsers of untrusted bytes (gateway query strings, multipart uploads, redirect paths) fuzzed
# for FUZZ_SECONDS each when set (`FUZZ_SECONDS=60 bash scripts/test.sh`, or scripts/fuzz.sh on
# its own). CI sets 30 (.ci/run); not by default here, since the instrumented build from
# nothing takes about 10 CPU-minutes (5 on two quiet cores).
if [ "${FUZZ_SECONDS:-0}" -gt 0 ]; then
  bash scripts/fuzz.sh
fi
