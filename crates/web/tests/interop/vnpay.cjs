// The payment gateway's signatures as the `vnpay` package of the npm registry computes them, an
// implementation of the protocol no one at motcua wrote. Reads JSON from standard input:
// `secret`, `merchant`, `sign` (parameters to sign) and `verify` (query strings to check), and
// writes `signed` (the query string with its vnp_SecureHash) and `verified` (one boolean each).
const { VNPay, buildPaymentUrlSearchParams, calculateSecureHash } = require('vnpay');

let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { secret, merchant, sign, verify } = JSON.parse(input);
  const vnpay = new VNPay({ tmnCode: merchant, secureSecret: secret, hashAlgorithm: 'SHA512' });
  const data = buildPaymentUrlSearchParams(sign).toString();
  const hash = calculateSecureHash({ secureSecret: secret, data, hashAlgorithm: 'SHA512', bufferEncode: 'utf-8' });
  const verified = verify.map((q) => vnpay.verifyReturnUrl(Object.fromEntries(new URLSearchParams(q))).isVerified);
  process.stdout.write(JSON.stringify({ signed: `${data}&vnp_SecureHash=${hash}`, verified }));
});
