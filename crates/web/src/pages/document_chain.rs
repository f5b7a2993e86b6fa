//! A document's approval chain, step by step, and its draft's versions, as its page shows them
//! ([`motcua_app::office_chain`]).

use motcua_app::i18n::Lang;
use motcua_app::office::DocumentView;
use motcua_app::office_chain::ApproverName;
use motcua_app::present::{show_time, size_text};
use motcua_domain::office::{DocumentStatus, Register};

/// One step of a document's chain as its page shows it.
pub struct ChainRow {
    /// The step's name.
    pub name: String,
    /// Who approves there, in words.
    pub approver: String,
    /// `done`, `current` or `waiting`.
    pub state_key: String,
    /// The same, in words.
    pub state: String,
    /// Who approved and when, in words; empty if nobody yet.
    pub decided: String,
}

/// One version of a draft as its page shows it.
pub struct VersionRow {
    /// From 1.
    pub number: i64,
    /// Who made it.
    pub who: String,
    /// When.
    pub when: String,
    /// Its subject.
    pub subject: String,
    /// What its author said of it.
    pub note: String,
    /// Its files: (link, name, size).
    pub files: Vec<(String, String, String)>,
    /// The current one.
    pub current: bool,
}

/// Who approves at a step, in words.
pub fn approver_words(lang: Lang, a: &ApproverName) -> String {
    match a {
        ApproverName::Officer(name) => name.clone(),
        ApproverName::Role(role) => {
            let role = lang.t(&format!("role-{}", role.as_str()));
            lang.t_args("office-chain-any-role", &[("role", role.as_str())])
        }
    }
}

/// The chain rows of document `v`'s page.
pub fn chain_rows(lang: Lang, v: &DocumentView) -> Vec<ChainRow> {
    v.chain
        .iter()
        .map(|s| ChainRow {
            name: s.name.clone(),
            approver: approver_words(lang, &s.approver),
            state_key: s.state.as_str().into(),
            state: lang.t(&format!("office-chain-state-{}", s.state.as_str())),
            decided: s.decided.as_ref().map(|(who, at)| format!("{who}, {}", show_time(Some(*at)))).unwrap_or_default(),
        })
        .collect()
}

/// The version rows of document `v`'s page, newest first.
pub fn version_rows(v: &DocumentView) -> Vec<VersionRow> {
    let last = v.versions.last().map(|x| x.number);
    v.versions
        .iter()
        .rev()
        .map(|x| VersionRow {
            number: x.number,
            who: x.author_name.clone(),
            when: show_time(Some(x.created_at)),
            subject: x.subject.clone(),
            note: x.note.clone().unwrap_or_default(),
            files: x
                .files
                .iter()
                .map(|a| (format!("/van-ban/{}/tep/{}", v.document.id, a.id), a.file_name.clone(), size_text(a.size)))
                .collect(),
            current: Some(x.number) == last,
        })
        .collect()
}

/// Whether the viewer may change the draft now: its author, while it is a draft.
pub fn may_revise(v: &DocumentView) -> bool {
    v.standing.author && v.document.status == DocumentStatus::Draft && v.document.register == Register::Outgoing
}
