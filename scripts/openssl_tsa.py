#!/usr/bin/env python3
"""An RFC 3161 timestamp authority over HTTP, answered by OpenSSL's `openssl ts -reply`.

For the tests of `motcua serve --tsa-url`: a timestamp authority no code of motcua wrote, as
RFC 3161 section 3.4 carries it (POST application/timestamp-query, answer
application/timestamp-reply). Only the Python standard library and the openssl command.

    scripts/openssl_tsa.py --cert tsa.pem --key tsa-key.pem [--chain ca.pem] [--port 0]

Prints `listening on PORT` once it accepts requests; serves on 127.0.0.1 until killed.
"""

import argparse
import http.server
import os
import subprocess
import sys
import tempfile

CONFIG = """\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = {cert}
signer_key = {key}
{certs}
signer_digest = sha256
default_policy = 1.3.6.1.4.1.32473.3161.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cert", required=True, help="the TSA's certificate (PEM)")
    parser.add_argument("--key", required=True, help="its private key (PEM, unencrypted)")
    parser.add_argument("--chain", help="CA certificates to put in each token (PEM)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="openssl-tsa-")
    with open(os.path.join(work, "serial"), "w") as f:
        f.write("01\n")
    config = os.path.join(work, "tsa.cnf")
    with open(config, "w") as f:
        f.write(
            CONFIG.format(
                dir=work,
                cert=os.path.abspath(args.cert),
                key=os.path.abspath(args.key),
                certs=f"certs = {os.path.abspath(args.chain)}" if args.chain else "",
            )
        )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/timestamp-query":
                self.send_error(415, "application/timestamp-query expected")
                return
            query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with tempfile.NamedTemporaryFile(dir=work, suffix=".tsq", delete=False) as q:
                q.write(query)
            reply = q.name[:-4] + ".tsr"
            run = subprocess.run(
                ["openssl", "ts", "-reply", "-config", config, "-queryfile", q.name, "-out", reply],
                capture_output=True,
            )
            if run.returncode != 0:
                sys.stderr.write(run.stderr.decode(errors="replace"))
                self.send_error(500, "openssl ts -reply failed")
                return
            with open(reply, "rb") as r:
                body = r.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
