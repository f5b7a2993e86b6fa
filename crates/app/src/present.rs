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
