//! The catalog's vocabulary: the kinds of agency that handle procedures, how far a procedure can
//! be done online, and in what form its result is issued. Each is a closed set of words that
//! the catalog data, the store and the API share.

use serde::{Deserialize, Serialize};

/// What an agency is (loại cơ quan).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// The provincial people's committee (UBND tỉnh).
    Province,
    /// A department of the province (Sở, ban, ngành).
    Department,
    /// The public administrative service centre (Trung tâm Phục vụ hành chính công), whose
    /// one-stop desk receives dossiers for every agency.
    ServiceCentre,
    /// A commune's people's committee (UBND xã).
    Commune,
}

impl AgencyKind {
    /// Every kind.
    pub const ALL: [AgencyKind; 4] =
        [AgencyKind::Province, AgencyKind::Department, AgencyKind::ServiceCentre, AgencyKind::Commune];

    /// The stable machine name used in the catalog data, the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Province => "province",
            AgencyKind::Department => "department",
            AgencyKind::ServiceCentre => "service_centre",
            AgencyKind::Commune => "commune",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<AgencyKind> {
        AgencyKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How far a procedure is offered online (mức độ dịch vụ công trực tuyến).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// Not online: applied for at the desk only (`none`).
    #[serde(rename = "none")]
    Offline,
    /// Partly online (một phần): applied for online, some steps done in person.
    Partial,
    /// Fully online (toàn trình): from application to result.
    Full,
}

impl OnlineLevel {
    /// Every level, least online first.
    pub const ALL: [OnlineLevel; 3] = [OnlineLevel::Offline, OnlineLevel::Partial, OnlineLevel::Full];

    /// The stable machine name used in the catalog data, the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OnlineLevel::Offline => "none",
            OnlineLevel::Partial => "partial",
            OnlineLevel::Full => "full",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<OnlineLevel> {
        OnlineLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Whether the procedure may be applied for online.
    pub fn is_online(self) -> bool {
        self != OnlineLevel::Offline
    }
}

/// In what form a procedure's result is issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    /// On paper, handed over or posted.
    Paper,
    /// As an electronic document (kết quả điện tử), sealed by the system.
    Electronic,
}

impl ResultKind {
    /// Every kind.
    pub const ALL: [ResultKind; 2] = [ResultKind::Paper, ResultKind::Electronic];

    /// The stable machine name used in the catalog data and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultKind::Paper => "paper",
            ResultKind::Electronic => "electronic",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<ResultKind> {
        ResultKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A way of handing in a dossier (cách thức thực hiện), as the national catalogue lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Way {
    /// At the one-stop desk (trực tiếp).
    Direct,
    /// On the public-service portal (trực tuyến).
    Online,
    /// By public postal service (dịch vụ bưu chính công ích).
    Post,
}

impl Way {
    /// Every way.
    pub const ALL: [Way; 3] = [Way::Direct, Way::Online, Way::Post];

    /// The stable machine name used in the catalog data.
    pub fn as_str(self) -> &'static str {
        match self {
            Way::Direct => "direct",
            Way::Online => "online",
            Way::Post => "post",
        }
    }

    /// The ways a procedure offered at this level may be applied by, when its catalogue entry
    /// does not list them: online only where the procedure is, at the desk and by post always.
    pub fn of_level(level: OnlineLevel) -> Vec<Way> {
        if level.is_online() {
            vec![Way::Direct, Way::Online, Way::Post]
        } else {
            vec![Way::Direct, Way::Post]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_names_parse_back_and_match_serde() {
        for k in AgencyKind::ALL {
            assert_eq!(AgencyKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for l in OnlineLevel::ALL {
            assert_eq!(OnlineLevel::parse(l.as_str()), Some(l));
            assert_eq!(serde_json::to_value(l).unwrap(), l.as_str());
        }
        for k in ResultKind::ALL {
            assert_eq!(ResultKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for w in Way::ALL {
            assert_eq!(serde_json::to_value(w).unwrap(), w.as_str());
        }
        assert_eq!(Way::of_level(OnlineLevel::Offline), [Way::Direct, Way::Post]);
        assert_eq!(OnlineLevel::parse("offline"), None);
        assert!(!OnlineLevel::Offline.is_online() && OnlineLevel::Partial.is_online());
    }
}

/// A text published in Vietnamese, with its English translation when there is one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Vietnamese.
    pub vi: String,
    /// English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

/// What the national catalogue publishes about a procedure besides what the system acts on
/// (time limit, fee, documents, form): the parts of its page on the public-service portal. Every
/// part may be empty (an imported procedure not described yet); pages show what there is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureDetails {
    /// Trình tự thực hiện — the steps, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Text>,
    /// Cách thức thực hiện — how the dossier may be handed in, each with its notes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ways: Vec<WayOfApplying>,
    /// Đối tượng thực hiện — who may apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicants: Option<Text>,
    /// Kết quả thực hiện — what the applicant receives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Text>,
    /// Yêu cầu, điều kiện thực hiện.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Text>,
    /// Căn cứ pháp lý — the legal texts, by number and title (published in Vietnamese only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_basis: Vec<String>,
    /// Mẫu đơn, tờ khai — the forms' official names; the first is the application form the
    /// system holds, which the portal gives out blank.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<Text>,
}

/// One way of handing in a dossier, with what the catalogue says of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WayOfApplying {
    /// Directly, online or by post.
    pub way: Way,
    /// Notes (hours, where, what to bring).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}
