//! The redirect check (`motcua_web` `redirect::local_path`): every `next` and `back` parameter
//! goes through it, so whatever it lets through must be a path of this site for every browser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_web::fuzzing::local_path;

fuzz_target!(|raw: &str| {
    let Some(path) = local_path(Some(raw)) else { return };
    assert_eq!(path, raw, "an accepted path is passed on unchanged");
    assert!(path.bytes().all(|b| b.is_ascii_graphic()), "as given, visible ASCII only: {path:?}");
    assert!(path.parse::<axum::http::HeaderValue>().is_ok(), "a valid Location header: {path:?}");
    // Browsers may undo percent-encoding, once or more, before they read the address: the check
    // must hold as given and after every decoding, which an accepted path reaches the end of.
    let mut text = path.clone();
    for _ in 0..4 {
        assert!(one_site_path(&text), "{path:?} leaves the site as {text:?}");
        let decoded = percent_encoding::percent_decode_str(&text).decode_utf8_lossy().into_owned();
        if decoded == text {
            return;
        }
        text = decoded;
    }
    panic!("{path:?} accepted though it still decodes after four rounds");
});

/// One leading `/`, not `//` or `/\`, no backslash or control character.
fn one_site_path(text: &str) -> bool {
    text.starts_with('/')
        && !text.starts_with("//")
        && !text.starts_with("/\\")
        && !text.chars().any(|c| c == '\\' || c.is_control())
}
