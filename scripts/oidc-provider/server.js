// A small OpenID Connect provider for motcua's tests, made with `oidc-provider` (npm), an
// implementation of the specification no one here wrote. One confidential client whose redirect
// addresses are given (REDIRECT_URI, separated by spaces); PKCE required; the provider's development login form (any login name, any
// password) signs in the test person of that login name, whose claims come from USERS.
//
//   PORT=4000 REDIRECT_URI=http://127.0.0.1:8080/dang-nhap/oidc/vneid/callback \
//   CLIENT_ID=motcua CLIENT_SECRET=secret \
//   USERS='{"an": {"name": "Nguyễn Văn An", "id_number": "001099000001"}}' node server.js
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 4000);
const issuer = process.env.ISSUER || `http://127.0.0.1:${port}`;
const users = JSON.parse(process.env.USERS || '{}');
const idClaim = process.env.ID_CLAIM || 'id_number';
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID || 'motcua',
    client_secret: process.env.CLIENT_SECRET || 'secret',
    redirect_uris: (process.env.REDIRECT_URI || '').split(/\s+/).filter(Boolean),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256', kid: 'test' }] },
  cookies: { keys: ['motcua-test-provider'] },
  pkce: { required: () => true },
  // The claims go in the ID token itself, which is what motcua reads.
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], profile: ['name', 'email', 'preferred_username', 'phone_number', idClaim] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, sub) {
    const person = users[sub] || {};
    return { accountId: sub, async claims() { return { sub, ...person }; } };
  },
  // Consent is taken as given for the one client: the test person only logs in.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile');
    await grant.save();
    return grant;
  },
});

provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening at ${issuer}`));
