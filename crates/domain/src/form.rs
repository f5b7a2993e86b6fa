//! Application forms (tờ khai) generated from a procedure's definition, and the server-side
//! validation of answers against it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::identity::{Email, PhoneNumber};

/// Input types a form field may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One line of text.
    Text,
    /// Several lines of text.
    Textarea,
    /// A whole or decimal number.
    Number,
    /// A date `YYYY-MM-DD` (also accepted as `dd/mm/yyyy`).
    Date,
    /// One of the listed options.
    Select,
    /// Yes or no.
    Checkbox,
    /// An e-mail address.
    Email,
    /// A Vietnamese phone number.
    Phone,
}

/// A choice of a select field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldOption {
    /// Stored value.
    pub value: String,
    /// Vietnamese label.
    pub label: String,
    /// English label.
    #[serde(default)]
    pub label_en: Option<String>,
}

/// One field of a procedure's application form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Stable key of the answer.
    pub key: String,
    /// Vietnamese label.
    pub label: String,
    /// English label.
    #[serde(default)]
    pub label_en: Option<String>,
    /// Input type.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Whether an answer is mandatory.
    pub required: bool,
    /// Choices of a select field.
    #[serde(default)]
    pub options: Vec<FieldOption>,
}

/// Why one answer was refused; the web edge words it in the user's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldError {
    /// A required answer is missing or blank.
    Required,
    /// Longer than allowed.
    TooLong,
    /// Not a number.
    NotANumber,
    /// Not a date.
    NotADate,
    /// Not one of the options.
    NotAnOption,
    /// Not an e-mail address.
    NotAnEmail,
    /// Not a phone number.
    NotAPhone,
    /// Not yes/no.
    NotABoolean,
    /// An answer for a field the form does not have.
    Unknown,
}

/// Longest accepted text answer, in characters.
pub const MAX_TEXT: usize = 500;
/// Longest accepted multi-line answer, in characters.
pub const MAX_TEXTAREA: usize = 5000;

/// Validates answers against the form and returns them normalised (trimmed text, numbers as
/// numbers, dates as `YYYY-MM-DD`, phones normalised, checkboxes as booleans). Every problem is
/// reported at once, keyed by field, so the applicant can fix everything in one pass.
pub fn validate_answers(
    form: &[FormField],
    answers: &Map<String, Value>,
) -> Result<Map<String, Value>, BTreeMap<String, FieldError>> {
    let mut errors = BTreeMap::new();
    let mut out = Map::new();
    for key in answers.keys() {
        if !form.iter().any(|f| &f.key == key) {
            errors.insert(key.clone(), FieldError::Unknown);
        }
    }
    for field in form {
        let raw = answers.get(&field.key).unwrap_or(&Value::Null);
        match normalise(field, raw) {
            Ok(Some(v)) => {
                out.insert(field.key.clone(), v);
            }
            Ok(None) if field.required => {
                errors.insert(field.key.clone(), FieldError::Required);
            }
            Ok(None) => {}
            Err(e) => {
                errors.insert(field.key.clone(), e);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

fn normalise(field: &FormField, raw: &Value) -> Result<Option<Value>, FieldError> {
    if field.kind == FieldType::Checkbox {
        let on = match raw {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::String(s) => match s.trim() {
                "" | "false" | "0" | "off" | "no" => false,
                "true" | "1" | "on" | "yes" => true,
                _ => return Err(FieldError::NotABoolean),
            },
            Value::Number(n) => n.as_i64() != Some(0),
            _ => return Err(FieldError::NotABoolean),
        };
        // A required checkbox is a declaration the applicant must tick.
        return Ok(on.then_some(Value::Bool(true)).or((!field.required).then_some(Value::Bool(false))));
    }
    let Some(text) = as_text(raw) else {
        return if raw.is_null() || raw.as_str().is_some() { Ok(None) } else { Err(FieldError::NotAnOption) };
    };
    let v = match field.kind {
        FieldType::Text | FieldType::Textarea => {
            let max = if field.kind == FieldType::Text { MAX_TEXT } else { MAX_TEXTAREA };
            if text.chars().count() > max {
                return Err(FieldError::TooLong);
            }
            Value::String(text)
        }
        FieldType::Number => {
            let n: f64 = text.replace(',', ".").parse().map_err(|_| FieldError::NotANumber)?;
            if !n.is_finite() {
                return Err(FieldError::NotANumber);
            }
            serde_json::Number::from_f64(n)
                .map(|num| if n.fract() == 0.0 && n.abs() < 9e15 { Value::from(n as i64) } else { Value::Number(num) })
                .ok_or(FieldError::NotANumber)?
        }
        FieldType::Date => Value::String(parse_date(&text).ok_or(FieldError::NotADate)?),
        FieldType::Select => {
            if !field.options.iter().any(|o| o.value == text) {
                return Err(FieldError::NotAnOption);
            }
            Value::String(text)
        }
        FieldType::Email => {
            Value::String(Email::parse(&text).map_err(|_| FieldError::NotAnEmail)?.as_str().to_string())
        }
        FieldType::Phone => {
            Value::String(PhoneNumber::parse(&text).map_err(|_| FieldError::NotAPhone)?.as_str().to_string())
        }
        FieldType::Checkbox => unreachable!("handled above"),
    };
    Ok(Some(v))
}

/// Accepts `YYYY-MM-DD` (what browsers send) and `dd/mm/yyyy` (what people type).
fn parse_date(s: &str) -> Option<String> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()?;
    Some(d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form() -> Vec<FormField> {
        serde_json::from_value(json!([
            {"key":"name","label":"Họ tên","type":"text","required":true},
            {"key":"born","label":"Ngày sinh","type":"date","required":true},
            {"key":"sex","label":"Giới tính","type":"select","required":true,
             "options":[{"value":"nam","label":"Nam"},{"value":"nu","label":"Nữ"}]},
            {"key":"copies","label":"Số bản","type":"number","required":false},
            {"key":"agree","label":"Cam đoan","type":"checkbox","required":true},
            {"key":"phone","label":"Điện thoại","type":"phone","required":false}
        ]))
        .unwrap()
    }

    #[test]
    fn good_answers_are_normalised() {
        let answers = json!({"name":"  Lê Thị Hoa ","born":"17/05/1990","sex":"nu","copies":"2","agree":"on","phone":"+84 912 345 678"});
        let out = validate_answers(&form(), answers.as_object().unwrap()).unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"name":"Lê Thị Hoa","born":"1990-05-17","sex":"nu","copies":2,"agree":true,"phone":"0912345678"})
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let answers = json!({"born":"31/02/1990","sex":"other","copies":"many","phone":"123","extra":"x"});
        let errs = validate_answers(&form(), answers.as_object().unwrap()).unwrap_err();
        assert_eq!(errs["name"], FieldError::Required);
        assert_eq!(errs["born"], FieldError::NotADate);
        assert_eq!(errs["sex"], FieldError::NotAnOption);
        assert_eq!(errs["copies"], FieldError::NotANumber);
        assert_eq!(errs["agree"], FieldError::Required);
        assert_eq!(errs["phone"], FieldError::NotAPhone);
        assert_eq!(errs["extra"], FieldError::Unknown);
    }

    #[test]
    fn overlong_text_is_refused() {
        let answers = json!({"name":"a".repeat(MAX_TEXT + 1),"born":"1990-05-17","sex":"nam","agree":true});
        let errs = validate_answers(&form(), answers.as_object().unwrap()).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs["name"], FieldError::TooLong);
    }
}

/// A document the applicant must (or may) attach (thành phần hồ sơ).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredDocument {
    /// Stable key: the multipart part name and the attachment's `key`.
    pub key: String,
    /// Vietnamese name.
    pub name: String,
    /// English name.
    #[serde(default)]
    pub name_en: Option<String>,
    /// Original (bản chính) rather than a copy (bản sao).
    #[serde(default)]
    pub original: bool,
    /// Number of copies asked for.
    #[serde(default = "one")]
    pub count: u32,
    /// Whether the dossier is incomplete without it.
    pub required: bool,
    /// Whether it may be reused from the applicant's earlier documents and results.
    #[serde(default)]
    pub reusable: bool,
}

fn one() -> u32 {
    1
}
