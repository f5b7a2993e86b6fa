//! The OpenID Connect client side of signing in through an external provider (VNeID, the
//! province's own), with the `openidconnect` crate: discovery, the authorization code flow with
//! PKCE, and the ID token checked — signature against the provider's published keys, issuer,
//! audience, expiry, and the nonce of this sign-in. What the provider vouched for then goes to
//! [`motcua_app::identity::sign_in_with`], which decides whose account it is.
//!
//! The state, nonce and PKCE verifier are kept in the database (by the state's hash) between the
//! redirect and the return, and the state also in a short-lived cookie, so that a return is
//! accepted once, within ten minutes, and only in the browser that set out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use motcua_app::error::{AppError, AppResult, ErrorKind};
use motcua_app::identity::{IdentityProvider, VouchedIdentity};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreRevocableToken,
    CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Every claim of the ID token beyond the standard ones (the identity number among them).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    claims: Map<String, Value>,
}

impl AdditionalClaims for OtherClaims {}

type TokenResponse = StandardTokenResponse<
    IdTokenFields<
        OtherClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type OidcClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How long a provider's discovery document and keys are used before being fetched again (keys
/// are rotated by providers; a token signed with a key not known yet fetches them at once).
const METADATA_LIFETIME: Duration = Duration::from_secs(3600);
/// How long the provider may take to answer one request.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a sign-in may stay at the provider.
pub const FLOW_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// The providers' discovery documents, fetched when first needed, and the HTTP client that
/// talks to them (no redirects followed, as the specification's security advice asks).
pub struct OidcClients {
    http: openidconnect::reqwest::Client,
    metadata: Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>,
}

impl Default for OidcClients {
    fn default() -> Self {
        let http = openidconnect::reqwest::Client::builder()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .build()
            .unwrap_or_default();
        OidcClients { http, metadata: Mutex::default() }
    }
}

/// Where to send the browser, and what to keep until it comes back.
pub struct Start {
    /// The provider's authorization address with every parameter.
    pub url: String,
    /// The state, which also names the sign-in under way.
    pub state: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier of the challenge sent.
    pub pkce_verifier: String,
}

fn failed(what: &str, e: impl std::fmt::Display) -> AppError {
    tracing::warn!(error = %e, "external sign-in: {what}");
    AppError::with(ErrorKind::Unauthenticated, "error-oidc-failed")
}

impl OidcClients {
    async fn metadata(&self, provider: &IdentityProvider, fresh: bool) -> AppResult<CoreProviderMetadata> {
        if !fresh {
            let cached = self.metadata.lock().map_err(AppError::internal)?.get(&provider.name).cloned();
            if let Some((_, m)) = cached.filter(|(at, _)| at.elapsed() < METADATA_LIFETIME) {
                return Ok(m);
            }
        }
        let issuer = IssuerUrl::new(provider.issuer.clone()).map_err(AppError::internal)?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|e| {
            tracing::error!(provider = provider.name, error = %e, "the identity provider's discovery failed");
            AppError::with(ErrorKind::Unavailable, "error-oidc-unavailable")
        })?;
        self.metadata.lock().map_err(AppError::internal)?.insert(provider.name.clone(), (Instant::now(), m.clone()));
        Ok(m)
    }

    async fn client(&self, provider: &IdentityProvider, public_url: &str, fresh: bool) -> AppResult<OidcClient> {
        let m = self.metadata(provider, fresh).await?;
        let redirect = RedirectUrl::new(provider.redirect_url(public_url)).map_err(AppError::internal)?;
        Ok(OidcClient::from_provider_metadata(
            m,
            ClientId::new(provider.client_id.clone()),
            provider.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// Sets out: the authorization address with a new state, nonce and PKCE challenge (S256).
    pub async fn start(&self, provider: &IdentityProvider, public_url: &str) -> AppResult<Start> {
        let client = self.client(provider, public_url, false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .set_pkce_challenge(challenge);
        for scope in &provider.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Start {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Comes back: the code exchanged (with the PKCE verifier) for tokens, and the ID token
    /// checked against the provider's keys and this sign-in's nonce.
    pub async fn finish(
        &self,
        provider: &IdentityProvider,
        public_url: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> AppResult<VouchedIdentity> {
        let client = self.client(provider, public_url, false).await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| failed("no token endpoint", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| failed("the code was not exchanged", e))?;
        let id_token =
            openidconnect::TokenResponse::id_token(&tokens).ok_or_else(|| failed("no ID token", "missing"))?;
        let nonce = Nonce::new(nonce.to_string());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(c) => c.clone(),
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                // Perhaps signed with a key the provider published since: fetch them again once.
                let client = self.client(provider, public_url, true).await?;
                let verifier = client.id_token_verifier();
                let claims =
                    id_token.claims(&verifier, &nonce).map_err(|e| failed("the ID token was refused", e))?.clone();
                claims
            }
            Err(e) => return Err(failed("the ID token was refused", e)),
        };
        let acr = claims.auth_context_ref().map(|a| a.as_str().to_string());
        let subject = claims.subject().as_str().to_string();
        let Value::Object(all) = serde_json::to_value(&claims).map_err(AppError::internal)? else {
            return Err(AppError::internal("the ID token's claims are not an object"));
        };
        Ok(VouchedIdentity { subject, acr, claims: all })
    }
}
