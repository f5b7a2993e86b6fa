//! Where a page may send the browser next: the one check every `next`, `back` and return
//! parameter goes through, so that no link of this site can forward its visitor to another one
//! (an open redirect, OWASP ASVS 5.1.5).

/// `raw` when it is a path of this site, else `None`.
///
/// Browsers read a `Location` of `//host`, `/\host` or `/<tab>/host` as another site, and some
/// undo percent-encoding before they look, so the check is made on the text as given and on each
/// decoding of it: the path must start with one `/` not followed by `/` or `\`, hold no `\` and
/// no control character; as given, it is visible ASCII only (which also keeps the header valid).
pub fn local_path(raw: Option<&str>) -> Option<String> {
    let raw = raw?;
    if !raw.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let mut text = raw.to_string();
    // Three rounds of decoding see through double and triple encoding; a path of this site
    // needs none of them.
    for _ in 0..3 {
        if !one_site_path(&text) {
            return None;
        }
        let decoded = percent_decode(&text);
        if decoded == text {
            return Some(raw.to_string());
        }
        text = decoded;
    }
    None
}

fn one_site_path(text: &str) -> bool {
    text.starts_with('/')
        && !matches!(text.as_bytes().get(1), Some(b'/' | b'\\'))
        && !text.chars().any(|c| c == '\\' || c.is_control())
}

/// `%XX` sequences replaced by their bytes (invalid UTF-8 becomes U+FFFD).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::local_path;
    use proptest::prelude::*;

    #[test]
    fn paths_of_this_site_pass_unchanged() {
        for path in ["/", "/ho-so/000.00.12.H38-261126-0007", "/can-bo?scope=agency&trang=2", "/tra-cuu?q=khai%20sinh"]
        {
            assert_eq!(local_path(Some(path)).as_deref(), Some(path));
        }
    }

    #[test]
    fn the_audits_redirects_are_refused() {
        for hostile in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%252F/evil.example",
            "/%25252F%25252Fevil.example",
            "/\r\nSet-Cookie: x=1",
            "/%0d%0aSet-Cookie:%20x=1",
            "https://evil.example/",
            "evil.example",
            "",
            " /",
            "/ khai sinh",
            "/trang\u{a0}chủ",
        ] {
            assert_eq!(local_path(Some(hostile)), None, "{hostile:?}");
        }
        assert_eq!(local_path(None), None);
    }

    proptest! {
        /// Whatever comes in, what goes out is a path that no browser reads as another site: one
        /// leading slash, no backslash, nothing but visible ASCII, and the same after decoding.
        #[test]
        fn nothing_accepted_leaves_the_site(raw in "(/|//|/\\\\|%2[fF]|%5[cC]|%0[9aAdD]|%25|[\\t\\r\\n ]|[a-z.:?=&-]){0,12}") {
            if let Some(path) = local_path(Some(&raw)) {
                let decoded = super::percent_decode(&super::percent_decode(&path));
                for text in [path.as_str(), decoded.as_str()] {
                    prop_assert!(text.starts_with('/'));
                    prop_assert!(!text.starts_with("//") && !text.starts_with("/\\"));
                    prop_assert!(!text.chars().any(|c| c == '\\' || c.is_control()));
                }
                prop_assert!(path.bytes().all(|b| b.is_ascii_graphic()));
                prop_assert!(path.parse::<axum::http::HeaderValue>().is_ok());
            }
        }
    }
}
