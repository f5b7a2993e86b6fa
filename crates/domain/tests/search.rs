//! Search folding and catalog search, as citizens type their queries.

use motcua_domain::search::{CatalogIndex, Entry};
use motcua_domain::text::{fold, tokens};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// Letters of the Vietnamese alphabet with every tone, both cases, plus
/// spaces, digits and punctuation.
const ALPHABET: &str = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ\
AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬBCDĐEÈÉẺẼẸÊỀẾỂỄỆGHIÌÍỈĨỊKLMNOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢPQRSTUÙÚỦŨỤƯỪỨỬỮỰVXYỲÝỶỸỴ  0123456789,.-/()\u{301}";

fn vietnamese() -> impl Strategy<Value = String> {
    let letters: Vec<char> = ALPHABET.chars().collect();
    proptest::collection::vec(proptest::sample::select(letters), 0..40).prop_map(|chars| chars.into_iter().collect())
}

fn catalog() -> Vec<Entry> {
    [
        (10, "Đăng ký kết hôn", "1.000894", "Hộ tịch"),
        (11, "Đăng ký khai tử", "1.000656", "Hộ tịch"),
        (12, "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "2.001417", "Lý lịch tư pháp"),
        (13, "Thủ tục đăng ký khai sinh", "1.001193", "Hộ tịch"),
        (14, "Đăng ký khai sinh có yếu tố nước ngoài", "1.001695", "Hộ tịch"),
        (15, "Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ", "1.009794", "Hoạt động xây dựng"),
        (16, "Thủ tục đăng ký thường trú", "1.004194", "Đăng ký, quản lý cư trú"),
        (17, "Thủ tục cấp đổi giấy phép lái xe", "1.002804", "Đường bộ"),
    ]
    .into_iter()
    .map(|(id, name, code, extra)| Entry { id, name: name.to_owned(), code: code.to_owned(), extra: extra.to_owned() })
    .collect()
}

#[test]
fn unaccented_and_upper_case_queries_find_accented_names() {
    let index = CatalogIndex::new(catalog());
    assert_eq!(index.search("thu tuc khai sinh").first(), Some(&13));
    assert_eq!(index.search("dang ky khai sinh").first(), Some(&13));
    assert_eq!(index.search("Đăng Ký Khai Sinh").first(), Some(&13));
    assert_eq!(index.search("DANG KY KHAI SINH"), index.search("đăng ký khai sinh"));
    let results = index.search("dang ky khai sinh");
    assert!(results.contains(&14));
    assert!(!results.contains(&17));
}

#[test]
fn the_plain_procedure_beats_its_special_case() {
    let mut entries = catalog();
    entries.push(Entry {
        id: 18,
        name: "Đăng ký khai sinh".to_owned(),
        code: "1.001193".to_owned(),
        extra: String::new(),
    });
    let index = CatalogIndex::new(entries);
    // "Thủ tục" is noise, so 13 and 18 name the same thing and keep catalog order.
    assert_eq!(index.search("dang ky khai sinh")[..3], [13, 18, 14]);
    assert_eq!(index.search("khai sinh nuoc ngoai").first(), Some(&14));
}

#[test]
fn judicial_record_certificate() {
    let index = CatalogIndex::new(catalog());
    assert_eq!(index.search("ly lich tu phap"), [12]);
    assert_eq!(index.search("Lý lịch tư pháp"), [12]);
}

#[test]
fn stop_words_do_not_outweigh_informative_words() {
    let index = CatalogIndex::new(catalog());
    // "thủ tục" is in half the names; "giấy phép lái xe" decides.
    assert_eq!(index.search("thu tuc giay phep lai xe").first(), Some(&17));
    assert_eq!(index.search("thủ tục xây dựng").first(), Some(&15));
}

#[test]
fn only_unknown_words_return_nothing() {
    let index = CatalogIndex::new(catalog());
    assert!(index.search("blockchain metaverse").is_empty());
}

#[test]
fn empty_query_returns_everything_in_input_order() {
    let index = CatalogIndex::new(catalog());
    assert_eq!(index.search("   "), [10, 11, 12, 13, 14, 15, 16, 17]);
}

proptest! {
    #[test]
    fn fold_is_idempotent(s in vietnamese()) {
        let once = fold(&s);
        prop_assert_eq!(fold(&once), once);
    }

    #[test]
    fn fold_is_idempotent_on_any_text(s in any::<String>()) {
        let once = fold(&s);
        prop_assert_eq!(fold(&once), once);
    }

    #[test]
    fn nfc_and_nfd_fold_identically(s in vietnamese()) {
        let nfc: String = s.nfc().collect();
        let nfd: String = s.nfd().collect();
        prop_assert_eq!(fold(&nfc), fold(&nfd));
        prop_assert_eq!(tokens(&nfc), tokens(&nfd));
    }

    #[test]
    fn folded_text_is_plain(s in vietnamese()) {
        let folded = fold(&s);
        prop_assert!(folded.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == ' '));
        prop_assert!(!folded.starts_with(' ') && !folded.ends_with(' ') && !folded.contains("  "));
    }

    #[test]
    fn nfc_and_nfd_queries_give_the_same_results(s in vietnamese()) {
        let index = CatalogIndex::new(catalog());
        let nfc: String = s.nfc().collect();
        let nfd: String = s.nfd().collect();
        prop_assert_eq!(index.search(&nfc), index.search(&nfd));
        prop_assert_eq!(index.search(&nfc), index.search(&nfc.to_uppercase()));
    }

    #[test]
    fn a_name_finds_itself_first(pick in 0usize..8) {
        let entries = catalog();
        let index = CatalogIndex::new(entries.clone());
        let entry = &entries[pick];
        let nfd: String = entry.name.nfd().collect();
        prop_assert_eq!(index.search(&nfd).first().copied(), Some(entry.id));
        prop_assert_eq!(index.search(&fold(&entry.name)).first().copied(), Some(entry.id));
    }
}
