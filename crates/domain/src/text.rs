//! Folding of Vietnamese text for search, and taking its marks off for plain-letter channels.
//!
//! Citizens type procedure names with or without tone marks, in any case, and
//! their keyboards send either precomposed (NFC) or decomposed (NFD) letters.
//! Folding maps all those spellings of a word to one key, so "Đăng ký khai
//! sinh", "dang ky khai sinh" and "ĐĂNG KÝ KHAI SINH" search alike.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Folds Vietnamese text for search: NFD-decompose, drop combining marks, map
/// đ/Đ to d, lowercase, collapse non-alphanumerics to single spaces, trim.
/// NFC and NFD input fold identically; idempotent.
///
/// Index and query go through the same function, so any two spellings that
/// differ only in tone marks, case, normalization form or punctuation meet.
pub fn fold(s: &str) -> String {
    let mut folder = Folder { out: String::with_capacity(s.len()), gap: false };
    for c in s.nfd() {
        folder.push(c);
    }
    folder.out
}

/// Tokens of the folded text.
///
/// The unit of matching for the catalog search: words, without accents,
/// punctuation or case.
pub fn tokens(s: &str) -> Vec<String> {
    fold(s).split(' ').filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

/// Vietnamese without its marks: tone marks and vowel marks taken off, `đ`/`Đ` as `d`/`D`;
/// case, digits, spaces and punctuation kept. For channels limited to plain Latin letters, such
/// as SMS sent without Unicode (160 characters a part instead of 70).
pub fn without_marks(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            other => other,
        })
        .collect()
}

struct Folder {
    out: String,
    /// A separator was seen since the last kept character.
    gap: bool,
}

impl Folder {
    fn push(&mut self, c: char) {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                self.keep(c.to_ascii_lowercase());
            } else {
                self.gap = true;
            }
            return;
        }
        if is_combining_mark(c) {
            return;
        }
        // Lowercasing may yield letters that decompose further (or marks), so
        // its output is decomposed again: this keeps `fold` idempotent.
        for lower in c.to_lowercase() {
            for d in std::iter::once(lower).nfd() {
                if is_combining_mark(d) {
                    continue;
                }
                match d {
                    'đ' | 'Đ' => self.keep('d'),
                    d if d.is_alphanumeric() => self.keep(d),
                    _ => self.gap = true,
                }
            }
        }
    }

    fn keep(&mut self, c: char) {
        if self.gap && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.gap = false;
        self.out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Thủ tục Đăng ký khai sinh"), "thu tuc dang ky khai sinh");
        assert_eq!(fold("  Cấp Phiếu lý-lịch   tư pháp số 1! "), "cap phieu ly lich tu phap so 1");
        assert_eq!(fold("ĐƯỜNG ĐI"), "duong di");
        assert_eq!(fold(""), "");
        assert_eq!(fold(" ,.; "), "");
    }

    #[test]
    fn nfc_and_nfd_fold_alike() {
        let nfc: String = "Nguyễn Thị Hường".nfc().collect();
        let nfd: String = "Nguyễn Thị Hường".nfd().collect();
        assert_ne!(nfc, nfd);
        assert_eq!(fold(&nfc), fold(&nfd));
        assert_eq!(fold(&nfc), "nguyen thi huong");
    }

    #[test]
    fn marks_come_off_and_the_rest_stays() {
        let nfd: String = "Hồ sơ ĐÃ được tiếp nhận; hẹn trả 04/12.".nfd().collect();
        assert_eq!(without_marks(&nfd), "Ho so DA duoc tiep nhan; hen tra 04/12.");
        assert_eq!(without_marks("Nguyễn Thị Hường, Đắk Lắk"), "Nguyen Thi Huong, Dak Lak");
        assert_eq!(without_marks("plain ASCII 123"), "plain ASCII 123");
    }

    #[test]
    fn tokens_split_folded_words() {
        assert_eq!(tokens("Đăng ký, kết hôn"), ["dang", "ky", "ket", "hon"]);
        assert!(tokens(" - ").is_empty());
    }
}
