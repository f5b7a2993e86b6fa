//! Passwords hashed with argon2id off the async runtime, and random tokens stored only as their
//! SHA-256.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// Password checks at once: each takes 19 MiB and tens of milliseconds, so a burst of sign-ins
/// must queue rather than grow the server's memory without bound.
static ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Hashes a password with argon2id, off the async runtime (it takes tens of milliseconds).
pub async fn hash_password(password: String) -> AppResult<String> {
    let _slot = ARGON2_SLOTS.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
    })
    .await
    .map_err(AppError::internal)?
}

/// Verifies a password against a stored hash, off the async runtime.
pub async fn verify_password(hash: String, password: String) -> bool {
    let Ok(_slot) = ARGON2_SLOTS.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Why a new password is refused (NIST SP 800-63B 5.1.1.2: a minimum length and a check
/// against values known to be common, not rules of composition).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeakPassword {
    /// Fewer characters than the minimum.
    TooShort,
    /// Longer than anything a person types (a guard against hashing megabytes).
    TooLong,
    /// Common, a keyboard or number pattern, or made of the person's own name, phone or
    /// numbers: found within a million guesses.
    Guessable,
}

impl WeakPassword {
    /// The message key of the form's error.
    pub fn message_key(self) -> &'static str {
        match self {
            WeakPassword::TooShort => "field-password-short",
            WeakPassword::TooLong => "field-password-long",
            WeakPassword::Guessable => "field-password-common",
        }
    }
}

/// Words Vietnamese passwords are often made of, which zxcvbn's English lists lack, and the
/// names of this service: guessed first by anyone attacking a Vietnamese site.
const VIETNAMESE_WORDS: &[&str] = &[
    "matkhau",
    "anhyeuem",
    "emyeuanh",
    "yeuem",
    "yeuanh",
    "iuem",
    "vietnam",
    "hanoi",
    "saigon",
    "hochiminh",
    "laocai",
    "motcua",
    "dichvucong",
    "congdan",
    "canbo",
    "xinchao",
    "tinhyeu",
    "hanhphuc",
    "nguyen",
    "tran",
    "hoang",
];

/// The fewest characters a new password may have.
pub const MIN_CHARS: usize = 8;

/// Checks a password being chosen: at least `min_chars` characters, at most 1,024 bytes, and not
/// guessable within a million tries by zxcvbn, which knows the common passwords (its list holds
/// tens of thousands), words, dates, keyboard walks and repeats, and is told `personal`: the
/// person's name, phone, e-mail and identity number.
pub fn check_new_password(password: &str, min_chars: usize, personal: &[&str]) -> Result<(), WeakPassword> {
    if password.chars().count() < min_chars {
        return Err(WeakPassword::TooShort);
    }
    if password.len() > 1024 {
        return Err(WeakPassword::TooLong);
    }
    // zxcvbn's matching grows with the length; beyond 100 characters a password is not guessable.
    let probe: String = password.chars().take(100).collect();
    // Each word of a name counts on its own ("an", "nguyen"), without its accents too.
    let mut inputs: Vec<String> = Vec::new();
    for value in personal {
        let plain = motcua_domain::text::fold(value);
        inputs.extend(plain.split(' ').filter(|w| w.len() >= 3).map(str::to_string));
        inputs.push(plain.replace(' ', ""));
        inputs.push(plain);
    }
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).chain(VIETNAMESE_WORDS.iter().copied()).collect();
    if zxcvbn::zxcvbn(&probe, &inputs).score() < zxcvbn::Score::Two {
        return Err(WeakPassword::Guessable);
    }
    Ok(())
}

/// A fresh random token, 256 bits as hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::{check_new_password, WeakPassword};

    /// NIST SP 800-63B 5.1.1.2: at least 8 characters, none of the common ones, none built from
    /// the person's own details; long phrases pass without rules of composition.
    #[test]
    fn common_and_personal_passwords_are_refused() {
        let me = ["Nguyễn Văn An", "0912345678", "an.nguyen@example.vn", "038090001234"];
        for weak in
            ["12345678", "password", "qwertyuiop", "matkhau123", "11111111", "0912345678", "nguyenvanan", "An@123456"]
        {
            assert_eq!(check_new_password(weak, 8, &me), Err(WeakPassword::Guessable), "{weak}");
        }
        assert_eq!(check_new_password("abc", 8, &me), Err(WeakPassword::TooShort));
        assert_eq!(check_new_password(&"x".repeat(2000), 8, &me), Err(WeakPassword::TooLong));
        for fine in ["ngựa ô qua cầu Cốc Lếu", "tra-cuu-ho-so-7Qx", "Lao Cai mua dao 2027!"] {
            assert_eq!(check_new_password(fine, 8, &me), Ok(()), "{fine}");
        }
    }
}
