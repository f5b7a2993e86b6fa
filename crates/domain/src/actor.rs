//! Who acts in motcua: the roles a user holds in an agency, and the actor the dossier lifecycle
//! and the workflows reason about.
//!
//! Both the dossier lifecycle and the workflows name roles, so roles live here, below both of
//! them, and neither of those modules needs the other for them.

use serde::{Deserialize, Serialize};

/// A role a user holds, per agency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A citizen or business applying for procedures.
    Citizen,
    /// One-stop desk officer (cán bộ tiếp nhận).
    Reception,
    /// Specialist who appraises dossiers (chuyên viên).
    Specialist,
    /// Unit leader who approves and signs (lãnh đạo).
    Leader,
    /// Clerk of the electronic office (văn thư).
    Clerk,
    /// System administrator.
    Admin,
    /// Steering-committee member with read-only dashboards.
    Steering,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] =
        [Role::Citizen, Role::Reception, Role::Specialist, Role::Leader, Role::Clerk, Role::Admin, Role::Steering];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Reception => "reception",
            Role::Specialist => "specialist",
            Role::Leader => "leader",
            Role::Clerk => "clerk",
            Role::Admin => "admin",
            Role::Steering => "steering",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role belongs to an officer working inside an agency.
    pub fn is_officer(self) -> bool {
        !matches!(self, Role::Citizen)
    }
}

/// Who is acting, as far as the lifecycle rules care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The applicant who owns the dossier.
    Applicant,
    /// Any other citizen or anonymous caller: may do nothing.
    Stranger,
    /// An officer with roles in one agency.
    Officer {
        /// The officer's user id, to tell the assignee of a dossier from colleagues.
        id: i64,
        /// The officer's agency code.
        agency: String,
        /// Whether that agency is the service centre, whose desk receives for every agency.
        at_service_centre: bool,
        /// The officer's roles there.
        roles: Vec<Role>,
    },
}
