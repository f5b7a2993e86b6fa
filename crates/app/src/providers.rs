//! The OpenID Connect providers one may sign in through, as configured: plain settings, read
//! by the web edge (which speaks the protocol) and by the identity module (which decides whose
//! account an identity is).

/// Whom a provider signs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Citizens, by their identity number (VNeID).
    Citizens,
    /// Officers with an account here, by a claim naming it (the province's provider).
    Officers,
}

/// One OpenID Connect provider, as configured (`--oidc name=…,issuer=…,client-id=…`). Its
/// `Debug` leaves the client secret out, so that a logged configuration does not carry it.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityProvider {
    /// Short name, in addresses and in the links kept (`vneid`); letters, digits and `-`.
    pub name: String,
    /// The button's text (`VNeID`).
    pub label: String,
    /// The issuer, whose discovery document is at `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    /// The client id registered with the provider.
    pub client_id: String,
    /// The client secret, if the provider gave one.
    pub client_secret: Option<String>,
    /// Whom it signs in.
    pub audience: Audience,
    /// The claim carrying a citizen's 12-digit identity number.
    pub id_claim: String,
    /// The claim naming an officer's account (its user name, or its e-mail).
    pub officer_claim: String,
    /// The assurance recorded on the account (`vneid`); without it, the ID token's `acr`.
    pub assurance: Option<String>,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for IdentityProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityProvider")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "…"))
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl IdentityProvider {
    /// Parses `name=vneid,issuer=https://…,client-id=…[,client-secret=…][,label=VNeID]
    /// [,audience=citizens|officers][,id-claim=id_number][,officer-claim=preferred_username]
    /// [,assurance=vneid][,scopes=profile email]`. The secret may instead come from the
    /// environment variable `MOTCUA_OIDC_<NAME>_SECRET` (kept out of the process list).
    pub fn parse(spec: &str) -> Result<IdentityProvider, String> {
        let mut p = IdentityProvider {
            name: String::new(),
            label: String::new(),
            issuer: String::new(),
            client_id: String::new(),
            client_secret: None,
            audience: Audience::Citizens,
            id_claim: "id_number".into(),
            officer_claim: "preferred_username".into(),
            assurance: None,
            scopes: vec!["profile".into()],
        };
        for part in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| format!("`{part}` is not key=value"))?;
            let value = value.trim().to_string();
            match key.trim() {
                "name" => p.name = value,
                "label" => p.label = value,
                "issuer" => p.issuer = value,
                "client-id" => p.client_id = value,
                "client-secret" => p.client_secret = Some(value),
                "audience" => {
                    p.audience = match value.as_str() {
                        "citizens" => Audience::Citizens,
                        "officers" => Audience::Officers,
                        _ => return Err(format!("audience `{value}`: citizens or officers")),
                    }
                }
                "id-claim" => p.id_claim = value,
                "officer-claim" => p.officer_claim = value,
                "assurance" => p.assurance = Some(value).filter(|v| !v.is_empty()),
                "scopes" => p.scopes = value.split_whitespace().map(str::to_string).collect(),
                other => return Err(format!("unknown key `{other}`")),
            }
        }
        let name_ok = !p.name.is_empty()
            && p.name.len() <= 32
            && p.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !name_ok {
            return Err("`name` is required: lower-case letters, digits and `-`, at most 32".into());
        }
        let issuer = url::Url::parse(&p.issuer).map_err(|e| format!("`issuer` is not an address: {e}"))?;
        if !matches!(issuer.scheme(), "https" | "http") {
            return Err("`issuer` must be an https address".into());
        }
        if p.client_id.is_empty() {
            return Err("`client-id` is required".into());
        }
        if p.label.is_empty() {
            p.label = p.name.clone();
        }
        if p.client_secret.is_none() {
            let var = format!("MOTCUA_OIDC_{}_SECRET", p.name.to_ascii_uppercase().replace('-', "_"));
            p.client_secret = std::env::var(var).ok().filter(|s| !s.is_empty());
        }
        Ok(p)
    }

    /// Where the provider sends the browser back, under the portal's public address.
    pub fn redirect_url(&self, public_url: &str) -> String {
        format!("{}/dang-nhap/oidc/{}/callback", public_url.trim_end_matches('/'), self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_is_parsed_with_its_defaults() {
        let p = IdentityProvider::parse(
            "name=vneid,issuer=https://sso.vneid.gov.vn,client-id=motcua,label=VNeID,assurance=vneid",
        )
        .unwrap();
        assert_eq!(p.name, "vneid");
        assert_eq!(p.label, "VNeID");
        assert_eq!(p.audience, Audience::Citizens);
        assert_eq!(p.id_claim, "id_number");
        assert_eq!(p.assurance.as_deref(), Some("vneid"));
        assert_eq!(
            p.redirect_url("https://dichvucong.laocai.gov.vn/"),
            "https://dichvucong.laocai.gov.vn/dang-nhap/oidc/vneid/callback"
        );
        let o = IdentityProvider::parse(
            "name=tinh,issuer=https://id.laocai.gov.vn,client-id=x,audience=officers,officer-claim=email",
        )
        .unwrap();
        assert_eq!((o.audience, o.officer_claim.as_str(), o.label.as_str()), (Audience::Officers, "email", "tinh"));
        for bad in [
            "issuer=https://a,client-id=x",
            "name=Bad Name,issuer=https://a,client-id=x",
            "name=a,issuer=ftp://a,client-id=x",
            "name=a,issuer=https://a",
            "name=a,issuer=https://a,client-id=x,audience=everyone",
            "name=a,issuer=https://a,client-id=x,colour=red",
        ] {
            assert!(IdentityProvider::parse(bad).is_err(), "{bad}");
        }
    }
}
