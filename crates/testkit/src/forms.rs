//! Answers to a procedure's application form, valid by its rules, for tests that apply.

use motcua_domain::form::{FieldType, FormField};
use serde_json::{Map, Value};

/// A procedure with an application form: as the JSON API describes it (`GET
/// /api/v1/procedures/{code}`), or as the catalog keeps it.
pub trait WithForm {
    /// The fields of its form.
    fn form_fields(&self) -> Vec<FormField>;
}

impl WithForm for Value {
    fn form_fields(&self) -> Vec<FormField> {
        serde_json::from_value(self["form"].clone()).expect("a procedure's form as the API describes it")
    }
}

impl WithForm for motcua_store::catalog::Procedure {
    fn form_fields(&self) -> Vec<FormField> {
        self.form.clone()
    }
}

/// An answer for every field of the procedure's form, each valid for its type (the first
/// option of a select, a box ticked, a Vietnamese name and address with its diacritics).
pub fn answers(procedure: &impl WithForm) -> Map<String, Value> {
    procedure
        .form_fields()
        .into_iter()
        .map(|f| {
            let v = match f.kind {
                FieldType::Number => Value::from(2),
                FieldType::Date => Value::from("1990-05-17"),
                FieldType::Select => f.options.first().map(|o| Value::from(o.value.clone())).unwrap_or(Value::Null),
                FieldType::Checkbox => Value::Bool(true),
                FieldType::Email => Value::from("nguyen.van.a@example.vn"),
                FieldType::Phone => Value::from("0912345678"),
                FieldType::Text | FieldType::Textarea => Value::from("Nguyễn Văn Á — đường Trần Hưng Đạo"),
            };
            (f.key, v)
        })
        .collect()
}
