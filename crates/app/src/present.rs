//! How things are written for people, in either language: dates, money, sizes, time limits,
//! form labels and answers. Pages, forms, e-mails and fee lines all use these, so each thing is
//! written one way everywhere.

use motcua_domain::history::Fact;
use motcua_store::catalog::Procedure;

use crate::i18n::Lang;

/// Dates as shown to people: dd/mm/yyyy HH:mm in Asia/Ho_Chi_Minh.
pub fn show_time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.with_timezone(&motcua_domain::calendar::vn_offset()).format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

/// An instant to the second in Vietnam time, `05/12/2026 09:15:42`: when live figures were taken.
pub fn show_moment(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&motcua_domain::calendar::vn_offset()).format("%d/%m/%Y %H:%M:%S").to_string()
}

/// A number with `places` decimals in `lang`: a decimal comma in Vietnamese (`78,5`).
pub fn decimal(lang: Lang, x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    match lang {
        Lang::Vi => s.replace('.', ","),
        Lang::En => s,
    }
}

/// Money as shown: 200.000 đ.
pub fn show_money(vnd: i64) -> String {
    format!("{} đ", motcua_render::thousands(vnd))
}

/// File sizes as shown: 12 KB, 1.5 MB.
pub fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// A form field's label in the language; its key when the form has no such field.
pub fn field_label(lang: Lang, form: &[motcua_domain::form::FormField], key: &str) -> String {
    form.iter()
        .find(|f| f.key == key)
        .map(|f| lang.pick(&f.label, f.label_en.as_deref()).to_string())
        .unwrap_or_else(|| key.to_string())
}

/// A select field's option label in the language; the value itself when not among the options.
pub fn option_label(lang: Lang, field: &motcua_domain::form::FormField, value: &str) -> String {
    field
        .options
        .iter()
        .find(|o| o.value == value)
        .map(|o| lang.pick(&o.label, o.label_en.as_deref()).to_string())
        .unwrap_or_else(|| value.to_string())
}

/// Form answers as shown to people, in form order: labels in the language, choices by their
/// label, yes/no for checkboxes, a dash for what was not answered.
pub fn shown_answers(
    lang: Lang,
    form: &[motcua_domain::form::FormField],
    data: &serde_json::Map<String, serde_json::Value>,
) -> Vec<(String, String)> {
    use motcua_domain::form::FieldType;
    use serde_json::Value;
    form.iter()
        .map(|f| {
            let shown = match data.get(&f.key) {
                Some(Value::Bool(b)) => lang.t(if *b { "yes" } else { "no" }),
                Some(Value::String(s)) if f.kind == FieldType::Select => option_label(lang, f, s),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => "—".into(),
            };
            (lang.pick(&f.label, f.label_en.as_deref()).to_string(), shown)
        })
        .collect()
}

/// "10 working days", "3 ngày làm việc".
pub fn time_text(lang: Lang, p: &Procedure) -> String {
    lang.t_args(&format!("time-{}", p.limit.unit.as_str()), &[("n", &p.limit.amount.to_string())])
}

/// "Miễn phí" or the amount.
pub fn fee_text(lang: Lang, vnd: i64) -> String {
    if vnd == 0 {
        lang.t("fee-free")
    } else {
        show_money(vnd)
    }
}

/// An event's action as the history lists it ("Tiếp nhận", "Received").
pub fn event_action(lang: Lang, e: &motcua_store::dossiers::Event) -> String {
    lang.t(&format!("event-{}", e.action))
}

/// Who acted, as the history names them: the person, or the payment gateway by its name.
pub fn event_actor(lang: Lang, e: &motcua_store::dossiers::Event) -> String {
    match &e.fact {
        Some(Fact::PaidOnline { gateway, .. }) => lang.t_args("fact-actor-gateway", &[("gateway", gateway)]),
        _ => e.actor_name.clone(),
    }
}

/// What the history says of an event beyond its action: the recorded fact in the reader's
/// language, then what the person acting wrote, one per line.
pub fn event_detail(lang: Lang, e: &motcua_store::dossiers::Event) -> String {
    let fact = e.fact.as_ref().map(|f| fact_text(lang, f));
    fact.into_iter().chain(e.note.clone().filter(|n| !n.trim().is_empty())).collect::<Vec<_>>().join("\n")
}

/// One recorded fact in words.
pub fn fact_text(lang: Lang, fact: &Fact) -> String {
    match fact {
        Fact::AtDesk => lang.t("fact-at-desk"),
        Fact::PaidCash { amount_vnd } => lang.t_args("fact-paid-cash", &[("amount", &show_money(*amount_vnd))]),
        Fact::PaidOnline { amount_vnd, txn_ref, bank_code, .. } => {
            let paid = lang.t_args("fact-paid-online", &[("amount", &show_money(*amount_vnd)), ("txn", txn_ref)]);
            match bank_code {
                Some(bank) => format!("{paid} ({bank})"),
                None => paid,
            }
        }
        Fact::Assigned { name, .. } => lang.t_args("fact-assigned", &[("name", name)]),
    }
}

/// How a field takes its answer, which decides the verb of its error messages (the GOV.UK
/// pattern): what is typed is entered ("Nhập …", "Enter …"), what is picked is chosen ("Chọn …",
/// "Select …").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Typed: text, numbers, dates, e-mail addresses, phone numbers.
    Typed,
    /// Picked: a drop-down or radios.
    Chosen,
    /// A box ticked to declare something.
    Ticked,
    /// A file chosen to upload.
    File,
}

impl Entry {
    /// How a field of a procedure's form is answered.
    pub fn of(kind: motcua_domain::form::FieldType) -> Entry {
        use motcua_domain::form::FieldType;
        match kind {
            FieldType::Select => Entry::Chosen,
            FieldType::Checkbox => Entry::Ticked,
            FieldType::Text
            | FieldType::Textarea
            | FieldType::Number
            | FieldType::Date
            | FieldType::Email
            | FieldType::Phone => Entry::Typed,
        }
    }
}

/// A field as its error messages name it.
#[derive(Clone, Debug)]
pub struct FieldName {
    /// The key its errors come under.
    pub key: String,
    /// Its label in the reader's language, as the form shows it.
    pub label: String,
    /// How it is answered.
    pub entry: Entry,
    /// The most it takes, as a "too long" or "too large" message quotes it (characters, a size).
    pub limit: Option<String>,
    /// The fewest characters it takes, as a "too short" message quotes it.
    pub min: Option<String>,
}

impl FieldName {
    /// A field without a limit to quote.
    pub fn new(key: &str, label: String, entry: Entry) -> Self {
        Self { key: key.to_string(), label, entry, limit: None, min: None }
    }

    /// The same field, with the most it takes as its messages quote it.
    pub fn limit(mut self, limit: impl Into<String>) -> Self {
        self.limit = Some(limit.into());
        self
    }

    /// The same field, with the fewest characters it takes.
    pub fn min(mut self, min: impl Into<String>) -> Self {
        self.min = Some(min.into());
        self
    }

    /// A field of a procedure's form, with the length its kind allows.
    pub fn of_form_field(lang: Lang, f: &motcua_domain::form::FormField) -> Self {
        use motcua_domain::form::{FieldType, MAX_TEXT, MAX_TEXTAREA};
        let name = Self::new(&f.key, lang.pick(&f.label, f.label_en.as_deref()).to_string(), Entry::of(f.kind));
        match f.kind {
            FieldType::Text => name.limit(MAX_TEXT.to_string()),
            FieldType::Textarea => name.limit(MAX_TEXTAREA.to_string()),
            _ => name,
        }
    }

    /// A document of a procedure, uploaded as a file of at most `max_bytes`.
    pub fn of_document(lang: Lang, d: &motcua_domain::form::RequiredDocument, max_bytes: usize) -> Self {
        Self::new(&d.key, lang.pick(&d.name, d.name_en.as_deref()).to_string(), Entry::File)
            .limit(size_text(max_bytes as i64))
    }
}

/// A label as a message quotes it: without a trailing remark in brackets ("(nếu có)", "(bắt
/// buộc)", "(12 chữ số)"), which the message says in its own words.
fn bare_label(label: &str) -> &str {
    let label = label.trim();
    match label.strip_suffix(')').and_then(|l| l.rfind(" (").map(|i| &label[..i])) {
        Some(bare) if !bare.trim().is_empty() => bare.trim(),
        _ => label,
    }
}

/// A label as the object of a sentence ("Nhập họ và tên cha"): its first letter in lower case,
/// unless the first word is an abbreviation ("CCCD", "ID").
fn label_in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), second) if !second.is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_string(),
    }
}

/// The message for one field's problem, naming the field and saying what to do, as the GOV.UK
/// error pattern asks ("Chọn loại Phiếu yêu cầu cấp", "Nhập họ và tên cha"). `code` is the
/// stable message key an error carries for the field (`field-required`, `document-type`, …); a
/// code without a wording of its own keeps its general message.
pub fn field_error(lang: Lang, code: &str, field: &FieldName) -> String {
    let key = match (code, field.entry) {
        ("field-required" | "document-required" | "note-required", Entry::File) => "fix-file",
        ("field-required" | "note-required", Entry::Typed) => "fix-enter",
        ("field-required" | "field-not-boolean", Entry::Chosen) => "fix-choose",
        ("rating-choose", _) => "fix-rate",
        ("field-required" | "field-not-boolean", Entry::Ticked) => "fix-tick",
        ("field-not-option", _) => "fix-choose-listed",
        ("field-not-number", _) => "fix-number",
        ("field-not-date", _) => "fix-date",
        ("field-not-email", _) => "fix-email",
        ("field-not-phone", _) => "fix-phone",
        ("field-not-citizen-id", _) => "fix-citizen-id",
        ("field-password-short", _) => "fix-password-short",
        ("field-taken", _) => "fix-taken",
        ("field-too-long", _) if field.limit.is_some() => "fix-too-long",
        ("field-too-long", _) => "fix-shorten",
        ("question-too-short", _) if field.min.is_some() => "fix-too-short",
        ("document-too-large", _) => "fix-file-too-large",
        ("document-type", _) => "fix-file-type",
        ("document-not-in-store", _) => "fix-file-not-in-store",
        ("document-not-reusable", _) => "fix-file-not-reusable",
        _ => return lang.t(code),
    };
    let label = bare_label(&field.label);
    let object = label_in_sentence(label);
    // "Chọn tệp kết quả", not "Chọn tệp tệp kết quả": a file's label may already say it is one.
    let object = match field.entry {
        Entry::File => object
            .strip_prefix("tệp ")
            .or_else(|| object.strip_suffix(" file"))
            .filter(|o| !o.is_empty())
            .map(str::to_string)
            .unwrap_or(object),
        _ => object,
    };
    let limit = field.limit.as_deref().unwrap_or_default();
    let min = field.min.as_deref().unwrap_or_default();
    lang.t_args(key, &[("field", &object), ("label", label), ("limit", limit), ("min", min)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(label: &str, entry: Entry) -> FieldName {
        FieldName::new("k", label.to_string(), entry)
    }

    #[test]
    fn errors_name_the_field_and_say_what_to_do() {
        let vi = Lang::Vi;
        assert_eq!(field_error(vi, "field-required", &name("Họ và tên cha", Entry::Typed)), "Nhập họ và tên cha");
        assert_eq!(field_error(vi, "field-required", &name("Loại Phiếu", Entry::Chosen)), "Chọn loại Phiếu");
        assert_eq!(
            field_error(Lang::En, "field-required", &name("Father's full name", Entry::Typed)),
            "Enter father's full name"
        );
        assert_eq!(field_error(Lang::En, "field-required", &name("Sex", Entry::Chosen)), "Select sex");
        // Remarks in brackets are left out; abbreviations keep their capitals.
        assert_eq!(
            field_error(vi, "field-required", &name("Số định danh cá nhân (nếu có)", Entry::Typed)),
            "Nhập số định danh cá nhân"
        );
        assert_eq!(field_error(Lang::En, "field-required", &name("ID number", Entry::Typed)), "Enter ID number");
        let file = name("Bản sao giấy khai sinh", Entry::File).limit("10.0 MB");
        assert_eq!(field_error(vi, "document-too-large", &file), "Tệp bản sao giấy khai sinh phải nhỏ hơn 10.0 MB");
        assert_eq!(field_error(vi, "document-required", &file), "Chọn tệp bản sao giấy khai sinh");
        assert_eq!(field_error(vi, "document-required", &name("Tệp kết quả (PDF)", Entry::File)), "Chọn tệp kết quả");
        assert_eq!(
            field_error(Lang::En, "document-type", &name("Birth certificate", Entry::File)),
            "The file for birth certificate must be a PDF, JPEG, PNG, TIFF or WebP"
        );
    }

    #[test]
    fn every_wording_exists_in_both_languages_and_fills_its_blanks() {
        let codes = [
            "field-required",
            "field-not-boolean",
            "field-not-option",
            "field-not-number",
            "field-not-date",
            "field-not-email",
            "field-not-phone",
            "field-not-citizen-id",
            "field-password-short",
            "field-taken",
            "field-too-long",
            "question-too-short",
            "document-required",
            "document-too-large",
            "document-type",
            "document-not-in-store",
            "document-not-reusable",
            "note-required",
            "rating-choose",
        ];
        for lang in [Lang::Vi, Lang::En] {
            for entry in [Entry::Typed, Entry::Chosen, Entry::Ticked, Entry::File] {
                for code in codes {
                    for field in [name("Nơi sinh", entry), name("Nơi sinh", entry).limit("500").min("10")] {
                        let m = field_error(lang, code, &field);
                        assert!(!m.contains('{') && !m.starts_with("fix-") && !m.contains("$"), "{code}: {m}");
                    }
                }
            }
        }
    }

    #[test]
    fn unknown_codes_keep_their_general_message() {
        assert_eq!(
            field_error(Lang::Vi, "verify-not-found", &name("Mã", Entry::Typed)),
            Lang::Vi.t("verify-not-found")
        );
    }
}
