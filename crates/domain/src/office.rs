//! The electronic office (văn phòng điện tử) of Decree 30/2020/NĐ-CP: incoming documents
//! (văn bản đến) registered, assigned and handled; outgoing documents (văn bản đi) drafted,
//! approved and issued with their number and symbol (số, ký hiệu). DESIGN.md section 9.
//!
//! Pure rules only: the words of each closed set, the symbol of an issued document, and which
//! action each person may take on a document in each status.

use serde::{Deserialize, Serialize};

/// The two registers (sổ) of an agency's documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Register {
    /// Sổ văn bản đến: documents received, numbered by arrival (số đến).
    Incoming,
    /// Sổ văn bản đi: documents the agency issues, numbered at issue.
    Outgoing,
}

impl Register {
    /// Both.
    pub const ALL: [Register; 2] = [Register::Incoming, Register::Outgoing];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Register::Incoming => "incoming",
            Register::Outgoing => "outgoing",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Register> {
        Register::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A type of administrative document (Decree 30/2020 Art. 7 and Annex III) with the
/// abbreviation its symbol carries; a công văn (official letter) carries none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// Công văn.
    OfficialLetter,
    /// Quyết định (QĐ).
    Decision,
    /// Quy định (QyĐ).
    Regulation,
    /// Thông báo (TB).
    Notice,
    /// Kế hoạch (KH).
    Plan,
    /// Báo cáo (BC).
    Report,
    /// Tờ trình (TTr).
    Submission,
    /// Giấy mời (GM).
    Invitation,
    /// Chương trình (CTr).
    Programme,
    /// Hướng dẫn (HD).
    Guidance,
    /// Biên bản (BB).
    Minutes,
}

impl DocumentType {
    /// Every type.
    pub const ALL: [DocumentType; 11] = [
        DocumentType::OfficialLetter,
        DocumentType::Decision,
        DocumentType::Regulation,
        DocumentType::Notice,
        DocumentType::Plan,
        DocumentType::Report,
        DocumentType::Submission,
        DocumentType::Invitation,
        DocumentType::Programme,
        DocumentType::Guidance,
        DocumentType::Minutes,
    ];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentType::OfficialLetter => "official_letter",
            DocumentType::Decision => "decision",
            DocumentType::Regulation => "regulation",
            DocumentType::Notice => "notice",
            DocumentType::Plan => "plan",
            DocumentType::Report => "report",
            DocumentType::Submission => "submission",
            DocumentType::Invitation => "invitation",
            DocumentType::Programme => "programme",
            DocumentType::Guidance => "guidance",
            DocumentType::Minutes => "minutes",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<DocumentType> {
        DocumentType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The abbreviation in a symbol (case as the decree writes it); none for a công văn.
    pub fn abbreviation(self) -> Option<&'static str> {
        match self {
            DocumentType::OfficialLetter => None,
            DocumentType::Decision => Some("QĐ"),
            DocumentType::Regulation => Some("QyĐ"),
            DocumentType::Notice => Some("TB"),
            DocumentType::Plan => Some("KH"),
            DocumentType::Report => Some("BC"),
            DocumentType::Submission => Some("TTr"),
            DocumentType::Invitation => Some("GM"),
            DocumentType::Programme => Some("CTr"),
            DocumentType::Guidance => Some("HD"),
            DocumentType::Minutes => Some("BB"),
        }
    }

    /// The name as printed on the document's heading (upper case on the document itself).
    pub fn name_vi(self) -> &'static str {
        match self {
            DocumentType::OfficialLetter => "Công văn",
            DocumentType::Decision => "Quyết định",
            DocumentType::Regulation => "Quy định",
            DocumentType::Notice => "Thông báo",
            DocumentType::Plan => "Kế hoạch",
            DocumentType::Report => "Báo cáo",
            DocumentType::Submission => "Tờ trình",
            DocumentType::Invitation => "Giấy mời",
            DocumentType::Programme => "Chương trình",
            DocumentType::Guidance => "Hướng dẫn",
            DocumentType::Minutes => "Biên bản",
        }
    }
}

/// The symbol of an issued document (Decree 30/2020 Annex I, section II.3): its number, zero-
/// padded below 10, then the type's abbreviation and the issuing body's, joined by a dash;
/// a công văn carries the issuing body's and the drafting unit's instead (`12/UBND-VP`).
pub fn symbol(number: u32, kind: DocumentType, issuer: &str, drafting_unit: Option<&str>) -> String {
    let tail = match (kind.abbreviation(), drafting_unit.filter(|u| !u.is_empty())) {
        (Some(a), _) => format!("{a}-{issuer}"),
        (None, Some(unit)) => format!("{issuer}-{unit}"),
        (None, None) => issuer.to_string(),
    };
    format!("{number:02}/{tail}")
}

/// The short name of an issuing body in a symbol: the initials of its name's words before the
/// place it serves, without the joining "và" (`Sở Tư pháp tỉnh Lào Cai` → `STP`, `Ủy ban nhân
/// dân xã Cam Đường` → `UBND`).
pub fn abbreviation(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let place = words
        .iter()
        .position(|w| matches!(w.to_lowercase().as_str(), "tỉnh" | "thành" | "xã" | "phường" | "huyện" | "thị"))
        .filter(|i| *i > 0)
        .unwrap_or(words.len());
    words[..place]
        .iter()
        .filter(|w| !matches!(w.to_lowercase().as_str(), "và" | "-" | "–"))
        .filter_map(|w| w.chars().next())
        .map(|c| match c {
            // Đ is a letter of its own, kept in symbols (SKHĐT); other initials lose their marks.
            'đ' | 'Đ' => "Đ".to_string(),
            c => crate::text::fold(&c.to_string()).to_uppercase(),
        })
        .collect()
}

/// Whether `text` may stand as an issuing body's short name in symbols: 1 to 16 upper-case
/// letters (Đ and the other Vietnamese capitals included) or digits, `&` allowed; no `/` or `-`,
/// which separate a symbol's parts.
pub fn is_abbreviation(text: &str) -> bool {
    let count = text.chars().count();
    (1..=16).contains(&count)
        && text.chars().all(|c| c == '&' || c.is_ascii_digit() || (c.is_alphabetic() && !c.is_lowercase()))
}

/// How urgently a document must be handled (độ khẩn).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Thường.
    Normal,
    /// Khẩn.
    Urgent,
    /// Thượng khẩn.
    VeryUrgent,
    /// Hỏa tốc.
    Flash,
}

impl Urgency {
    /// Every level.
    pub const ALL: [Urgency; 4] = [Urgency::Normal, Urgency::Urgent, Urgency::VeryUrgent, Urgency::Flash];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
            Urgency::VeryUrgent => "very_urgent",
            Urgency::Flash => "flash",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Urgency> {
        Urgency::ALL.into_iter().find(|u| u.as_str() == s)
    }
}

/// How secret a document is (độ mật). Confidential documents are numbered in a register of
/// their own (DESIGN.md section 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidentiality {
    /// Not secret.
    Normal,
    /// Mật.
    Confidential,
    /// Tối mật.
    Secret,
    /// Tuyệt mật.
    TopSecret,
}

impl Confidentiality {
    /// Every level.
    pub const ALL: [Confidentiality; 4] =
        [Confidentiality::Normal, Confidentiality::Confidential, Confidentiality::Secret, Confidentiality::TopSecret];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidentiality::Normal => "normal",
            Confidentiality::Confidential => "confidential",
            Confidentiality::Secret => "secret",
            Confidentiality::TopSecret => "top_secret",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Confidentiality> {
        Confidentiality::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether the document goes into the separate register of secret documents.
    pub fn is_secret(self) -> bool {
        self != Confidentiality::Normal
    }
}

/// Where a document stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Incoming: registered with its arrival number, waiting for the leader.
    Registered,
    /// Incoming: assigned to a person to handle (or for information).
    Assigned,
    /// Incoming: the person assigned acknowledged it and is handling it.
    InProgress,
    /// Incoming: handled.
    Completed,
    /// Outgoing: a draft its author works on.
    Draft,
    /// Outgoing: waiting for the leader's approval.
    PendingApproval,
    /// Outgoing: approved, to be numbered and signed.
    Approved,
    /// Outgoing: numbered, dated and signed.
    Issued,
    /// Outgoing: sent to its recipients.
    Dispatched,
    /// Outgoing: taken back after it was sent.
    Recalled,
}

impl DocumentStatus {
    /// Every status.
    pub const ALL: [DocumentStatus; 10] = [
        DocumentStatus::Registered,
        DocumentStatus::Assigned,
        DocumentStatus::InProgress,
        DocumentStatus::Completed,
        DocumentStatus::Draft,
        DocumentStatus::PendingApproval,
        DocumentStatus::Approved,
        DocumentStatus::Issued,
        DocumentStatus::Dispatched,
        DocumentStatus::Recalled,
    ];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Registered => "registered",
            DocumentStatus::Assigned => "assigned",
            DocumentStatus::InProgress => "in_progress",
            DocumentStatus::Completed => "completed",
            DocumentStatus::Draft => "draft",
            DocumentStatus::PendingApproval => "pending_approval",
            DocumentStatus::Approved => "approved",
            DocumentStatus::Issued => "issued",
            DocumentStatus::Dispatched => "dispatched",
            DocumentStatus::Recalled => "recalled",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<DocumentStatus> {
        DocumentStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What one does to a document (API.md "Electronic office").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentAction {
    /// The leader assigns an incoming document to a person, with a deadline.
    Assign,
    /// The person assigned takes it up.
    Acknowledge,
    /// An opinion or progress note, by anyone who sees it.
    Comment,
    /// The person assigned reports it handled.
    Complete,
    /// The author of a draft sends it to the leader.
    SubmitForApproval,
    /// The approver at the draft's step of its chain approves it: on to the next step, or
    /// approved at the last.
    Approve,
    /// The approver at the draft's step sends it back to its author, with the reason.
    SendBack,
    /// The clerk numbers, dates and signs an approved draft.
    Issue,
    /// The clerk sends an issued document to its recipients.
    Dispatch,
    /// The clerk takes a sent document back.
    Recall,
}

impl DocumentAction {
    /// Every action.
    pub const ALL: [DocumentAction; 10] = [
        DocumentAction::Assign,
        DocumentAction::Acknowledge,
        DocumentAction::Comment,
        DocumentAction::Complete,
        DocumentAction::SubmitForApproval,
        DocumentAction::Approve,
        DocumentAction::SendBack,
        DocumentAction::Issue,
        DocumentAction::Dispatch,
        DocumentAction::Recall,
    ];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentAction::Assign => "assign",
            DocumentAction::Acknowledge => "acknowledge",
            DocumentAction::Comment => "comment",
            DocumentAction::Complete => "complete",
            DocumentAction::SubmitForApproval => "submit_for_approval",
            DocumentAction::Approve => "approve",
            DocumentAction::SendBack => "send_back",
            DocumentAction::Issue => "issue",
            DocumentAction::Dispatch => "dispatch",
            DocumentAction::Recall => "recall",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<DocumentAction> {
        DocumentAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Who someone is to a document of their agency, as far as the rules care.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    /// Keeps the registers (văn thư).
    pub clerk: bool,
    /// Leads the agency or unit (lãnh đạo).
    pub leader: bool,
    /// The person the document is assigned to.
    pub assignee: bool,
    /// The author of an outgoing draft.
    pub author: bool,
    /// Named by the leader to help the person assigned, or to be informed ([`Involvement`]).
    pub involved: bool,
    /// May approve or send back an outgoing draft at the step of its approval chain where it
    /// waits ([`crate::approval`]): with the default chain, the agency's leaders.
    pub approver: bool,
    /// Approved it, or sent it back, at an earlier step of its chain.
    pub in_chain: bool,
}

impl Standing {
    /// Whether they see the document: clerks and leaders see the whole register; others what
    /// was assigned to them, what they were named to help with or to know of, what they drafted.
    pub fn sees(self) -> bool {
        self.clerk || self.leader || self.assignee || self.author || self.involved || self.approver || self.in_chain
    }
}

/// How someone other than the person assigned takes part in an incoming document, as the
/// leader names them when assigning it (Decree 30/2020 Art. 24: the lead unit, the units that
/// co-handle it, those that receive it for information).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Involvement {
    /// Phối hợp: helps the person assigned, gives opinions.
    CoHandling,
    /// Để biết: reads it, takes no action on it.
    ForInformation,
}

impl Involvement {
    /// Both, in the order a page lists them.
    pub const ALL: [Involvement; 2] = [Involvement::CoHandling, Involvement::ForInformation];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Involvement::CoHandling => "co_handling",
            Involvement::ForInformation => "for_information",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Involvement> {
        Involvement::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The actions someone may take on a document in `status`, in the order a page offers them.
pub fn available_actions(status: DocumentStatus, who: Standing) -> Vec<DocumentAction> {
    use DocumentAction as A;
    use DocumentStatus as S;
    if !who.sees() {
        return vec![];
    }
    let mut out = Vec::new();
    match status {
        S::Registered => {
            if who.leader {
                out.push(A::Assign);
            }
        }
        S::Assigned => {
            if who.assignee {
                out.push(A::Acknowledge);
                out.push(A::Complete);
            }
            if who.leader {
                out.push(A::Assign);
            }
        }
        S::InProgress => {
            if who.assignee {
                out.push(A::Complete);
            }
            if who.leader {
                out.push(A::Assign);
            }
        }
        S::Completed => {}
        S::Draft => {
            if who.author {
                out.push(A::SubmitForApproval);
            }
        }
        S::PendingApproval => {
            if who.approver {
                out.push(A::Approve);
                out.push(A::SendBack);
            }
        }
        S::Approved => {
            if who.clerk {
                out.push(A::Issue);
            }
        }
        S::Issued => {
            if who.clerk {
                out.push(A::Dispatch);
            }
        }
        S::Dispatched => {
            if who.clerk {
                out.push(A::Recall);
            }
        }
        S::Recalled => {}
    }
    out.push(A::Comment);
    out
}

/// The status an action leads to from `status`; `None` when the action is not one of
/// [`available_actions`] there (a comment leaves the status as it is). An approval leads to
/// `Approved` here; one at a step that is not the chain's last leaves the document waiting
/// ([`approval_outcome`]).
pub fn next_status(status: DocumentStatus, action: DocumentAction, who: Standing) -> Option<DocumentStatus> {
    use DocumentAction as A;
    use DocumentStatus as S;
    if !available_actions(status, who).contains(&action) {
        return None;
    }
    Some(match action {
        A::Comment => status,
        A::Assign => S::Assigned,
        A::Acknowledge => S::InProgress,
        A::Complete => S::Completed,
        A::SubmitForApproval => S::PendingApproval,
        A::Approve => S::Approved,
        A::SendBack => S::Draft,
        A::Issue => S::Issued,
        A::Dispatch => S::Dispatched,
        A::Recall => S::Recalled,
    })
}

/// Where an approval of a draft waiting at step `at` of `chain` leads: the status and the step
/// it then waits at (none once approved).
pub fn approval_outcome(chain: &crate::approval::ApprovalChain, at: usize) -> (DocumentStatus, Option<usize>) {
    match chain.after_approval(at) {
        crate::approval::Progress::Step(next) => (DocumentStatus::PendingApproval, Some(next)),
        crate::approval::Progress::Approved => (DocumentStatus::Approved, None),
    }
}

#[cfg(test)]
mod tests {
    use super::DocumentAction as A;
    use super::DocumentStatus as S;
    use super::*;

    #[test]
    fn machine_names_round_trip() {
        for r in Register::ALL {
            assert_eq!(Register::parse(r.as_str()), Some(r));
        }
        for t in DocumentType::ALL {
            assert_eq!(DocumentType::parse(t.as_str()), Some(t));
        }
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse(u.as_str()), Some(u));
        }
        for c in Confidentiality::ALL {
            assert_eq!(Confidentiality::parse(c.as_str()), Some(c));
        }
        for s in S::ALL {
            assert_eq!(DocumentStatus::parse(s.as_str()), Some(s));
        }
        for a in A::ALL {
            assert_eq!(DocumentAction::parse(a.as_str()), Some(a));
        }
        for i in Involvement::ALL {
            assert_eq!(Involvement::parse(i.as_str()), Some(i));
        }
        assert_eq!(DocumentType::parse("QĐ"), None);
    }

    #[test]
    fn abbreviations_take_the_initials() {
        assert_eq!(abbreviation("Sở Tư pháp"), "STP");
        assert!(is_abbreviation("CAT") && is_abbreviation("SKHĐT") && is_abbreviation("SNN&PTNT"));
        assert!(!is_abbreviation("") && !is_abbreviation("cat") && !is_abbreviation("VP-UBND"));
        assert!(!is_abbreviation("A/B") && !is_abbreviation("ABCDEFGHIJKLMNOPQ"));
        assert_eq!(abbreviation("Ủy ban nhân dân"), "UBND");
        assert_eq!(abbreviation("Sở Kế hoạch và Đầu tư"), "SKHĐT");
        assert_eq!(abbreviation("Sở Tư pháp tỉnh Lào Cai"), "STP");
        assert_eq!(abbreviation("Ủy ban nhân dân xã Cam Đường"), "UBND");
    }

    #[test]
    fn symbols_follow_annex_one() {
        assert_eq!(symbol(7, DocumentType::Decision, "UBND", None), "07/QĐ-UBND");
        assert_eq!(symbol(125, DocumentType::Notice, "STP", Some("VP")), "125/TB-STP");
        assert_eq!(symbol(12, DocumentType::OfficialLetter, "UBND", Some("VP")), "12/UBND-VP");
        assert_eq!(symbol(3, DocumentType::OfficialLetter, "STP", None), "03/STP");
        assert_eq!(symbol(10, DocumentType::Regulation, "UBND", None), "10/QyĐ-UBND");
    }

    #[test]
    fn an_incoming_document_goes_from_the_leader_to_the_person_assigned() {
        let leader = Standing { leader: true, ..Standing::default() };
        let clerk = Standing { clerk: true, ..Standing::default() };
        let assignee = Standing { assignee: true, ..Standing::default() };
        let stranger = Standing::default();
        assert_eq!(available_actions(S::Registered, leader), [A::Assign, A::Comment]);
        assert_eq!(available_actions(S::Registered, clerk), [A::Comment]);
        assert_eq!(available_actions(S::Registered, stranger), []);
        assert_eq!(next_status(S::Registered, A::Assign, leader), Some(S::Assigned));
        assert_eq!(next_status(S::Registered, A::Assign, clerk), None);
        assert_eq!(next_status(S::Assigned, A::Acknowledge, assignee), Some(S::InProgress));
        assert_eq!(next_status(S::InProgress, A::Complete, assignee), Some(S::Completed));
        assert_eq!(next_status(S::InProgress, A::Complete, leader), None);
        assert_eq!(next_status(S::InProgress, A::Comment, leader), Some(S::InProgress));
        assert_eq!(available_actions(S::Completed, assignee), [A::Comment]);
    }

    #[test]
    fn those_named_to_help_or_to_know_see_it_and_give_opinions_only() {
        let involved = Standing { involved: true, ..Standing::default() };
        assert!(involved.sees());
        for s in [S::Assigned, S::InProgress, S::Completed] {
            assert_eq!(available_actions(s, involved), [A::Comment]);
        }
        assert_eq!(next_status(S::InProgress, A::Complete, involved), None);
    }

    #[test]
    fn an_outgoing_document_is_drafted_approved_issued_and_sent() {
        let author = Standing { author: true, ..Standing::default() };
        let leader = Standing { leader: true, approver: true, ..Standing::default() };
        let clerk = Standing { clerk: true, ..Standing::default() };
        assert_eq!(next_status(S::Draft, A::SubmitForApproval, author), Some(S::PendingApproval));
        // A leader who is not the approver at the draft's step neither approves nor sends back.
        let other_leader = Standing { leader: true, ..Standing::default() };
        assert_eq!(available_actions(S::PendingApproval, other_leader), [A::Comment]);
        // A named head of unit who is no leader does, and sees the draft.
        let head = Standing { approver: true, ..Standing::default() };
        assert!(head.sees());
        assert_eq!(available_actions(S::PendingApproval, head), [A::Approve, A::SendBack, A::Comment]);
        assert!(Standing { in_chain: true, ..Standing::default() }.sees());
        assert_eq!(next_status(S::Draft, A::SubmitForApproval, leader), None);
        assert_eq!(next_status(S::PendingApproval, A::SendBack, leader), Some(S::Draft));
        assert_eq!(next_status(S::PendingApproval, A::Approve, author), None);
        assert_eq!(next_status(S::PendingApproval, A::Approve, leader), Some(S::Approved));
        assert_eq!(next_status(S::Approved, A::Issue, leader), None);
        assert_eq!(next_status(S::Approved, A::Issue, clerk), Some(S::Issued));
        assert_eq!(next_status(S::Issued, A::Dispatch, clerk), Some(S::Dispatched));
        assert_eq!(next_status(S::Dispatched, A::Recall, clerk), Some(S::Recalled));
        assert_eq!(next_status(S::Recalled, A::Dispatch, clerk), None);
    }

    #[test]
    fn an_approval_moves_along_the_chain() {
        use crate::approval::{ApprovalChain, ApprovalStep, Approver};
        use crate::dossier::Role;
        let chain = ApprovalChain::new(
            vec![
                ApprovalStep { name: "Trưởng phòng".into(), approver: Approver::Officer { user_id: 3 } },
                ApprovalStep { name: "Giám đốc".into(), approver: Approver::Role { role: Role::Leader } },
            ],
            |_| false,
        )
        .unwrap();
        assert_eq!(approval_outcome(&chain, 0), (S::PendingApproval, Some(1)));
        assert_eq!(approval_outcome(&chain, 1), (S::Approved, None));
        assert_eq!(approval_outcome(&ApprovalChain::default(), 0), (S::Approved, None));
    }
}
