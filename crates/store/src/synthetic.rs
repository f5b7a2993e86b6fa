//! Synthetic dossiers for benchmarks and load tests: `motcua seed --dossiers N` fills a demo
//! database with N dossiers (100,000 by default) in well under a minute.
//!
//! Every dossier follows the real lifecycle: its story is played through the domain's
//! [`transition`] rules in memory, and its columns (status, step, `waiting_role`,
//! `waiting_agency` from [`waiting_on`], times in milliseconds, revision) are exactly what the
//! application would have stored after the same actions, with one event per action (the first
//! always `submit`). Only the writing differs: multi-row `INSERT`s inside large transactions
//! instead of one transaction per action.
//!
//! [`Mix::OpenOnly`] (`motcua seed --open-only`) keeps every dossier in the workflow instead
//! (received or processing, waiting on a specialist or a leader), with due dates spread over the
//! past and the future so that about a third are overdue: the population of the daily overdue
//! scan and of "overdue in my unit".
//!
//! Codes look like `000.00.12.H38-S260105-000042`: the `-S` infix cannot occur in a code of a
//! real submission (every pattern puts the date right after the dash), and the numbers come
//! from the `synthetic:<agency>` scope of `code_sequences`, so seeding twice never collides.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use motcua_domain::calendar::{due_at, vn_offset, CountingRule, TimeUnit, WorkingCalendar};
use motcua_domain::catalog::AgencyKind;
use motcua_domain::dossier::{transition, waiting_on, Action, Actor, Channel, Role, Situation, Status};
use motcua_domain::form::{FieldType, FormField};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::catalog::{self, Procedure};
use crate::db::{Database, Engine, WriteTx};
use crate::error::{Result, StoreError};
use crate::millis;

/// Dossiers written per transaction.
const PER_TRANSACTION: usize = 10_000;
/// Rows per multi-row `INSERT` of dossiers (28 parameters each: within both engines' limits).
const DOSSIER_ROWS: usize = 500;
/// Rows per multi-row `INSERT` of events (8 parameters each).
const EVENT_ROWS: usize = 2_000;
/// The name events of officers carry.
const OFFICER_NAME: &str = "Cán bộ (dữ liệu tổng hợp)";

/// What [`seed`] wrote.
#[derive(Clone, Debug, Default)]
pub struct Seeded {
    /// Dossiers written.
    pub dossiers: usize,
    /// Events written.
    pub events: usize,
    /// Dossiers per final status.
    pub by_status: BTreeMap<&'static str, usize>,
}

/// The parts of the shipped demo province this module needs.
#[derive(Deserialize)]
struct DemoParts {
    procedures: Vec<DemoCode>,
    people: People,
}

#[derive(Deserialize)]
struct DemoCode {
    code: String,
}

#[derive(Deserialize)]
struct People {
    family_names: Vec<String>,
    middle_names: Vec<String>,
    given_names: Vec<String>,
    addresses: Vec<String>,
}

fn demo_parts() -> Result<DemoParts> {
    serde_json::from_str(include_str!("../demo/province.json"))
        .map_err(|e| StoreError::Corrupt(format!("demo/province.json: {e}")))
}

/// The demo procedures as they are in the database, or a clear refusal when the database does
/// not hold the demo catalog (synthetic dossiers only make sense on a demo database).
async fn demo_procedures(db: &Database, parts: &DemoParts) -> Result<Vec<Procedure>> {
    let refuse = |why: String| {
        StoreError::Other(format!(
            "refusing to seed: {why}. Synthetic dossiers are only for a demo database: start \
             `motcua serve --demo` once on this database (same --data / --database-url) and seed afterwards"
        ))
    };
    let procs = catalog::current_procedures(db).await?;
    if procs.is_empty() {
        return Err(refuse("this database has no catalog".into()));
    }
    let by_code: HashMap<&str, &Procedure> = procs.iter().map(|p| (p.code.as_str(), p)).collect();
    let missing: Vec<&str> =
        parts.procedures.iter().map(|p| p.code.as_str()).filter(|c| !by_code.contains_key(c)).collect();
    if !missing.is_empty() {
        return Err(refuse(format!(
            "this database lacks {} of the {} demo procedures (e.g. {})",
            missing.len(),
            parts.procedures.len(),
            missing[0]
        )));
    }
    let agencies = catalog::agencies(db).await?;
    if !agencies.iter().any(|a| a.is_service_centre()) {
        return Err(refuse("this database has no service centre".into()));
    }
    // Stories here never ask another agency's opinion, which a workflow with consultations
    // needs: its procedures get no synthetic dossiers (they are still required to be present).
    // The demo procedures, and the copies `widen` made of them for a province of full size.
    let demo: std::collections::HashSet<&str> = parts.procedures.iter().map(|p| p.code.as_str()).collect();
    Ok(procs
        .iter()
        .filter(|p| demo.contains(p.code.as_str()) || p.code.starts_with(WIDENED))
        .filter(|p| p.workflow.iter().all(|s| s.consultations.is_empty()))
        .cloned()
        .collect())
}

/// The prefix of the codes of the agencies and procedures [`widen`] adds.
const WIDENED: &str = "S.";

/// What [`widen`] added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Widened {
    /// Units (departments and communes) added.
    pub units: usize,
    /// Procedures added.
    pub procedures: usize,
}

/// Grows a demo catalog to a province's size: `units` departments and communes and `procedures`
/// procedures in all, by copying the demo's (a copy of a commune is a commune, with the same
/// counting rule; a copy of a procedure keeps its time limit, fee, form and workflow and is led by
/// a unit of the same kind). Copies' codes start with `S.`. Adds only what is missing, so it can
/// run again; the catalog of a real province is never touched (the demo must be there).
pub async fn widen(db: &Database, units: usize, procedures: usize) -> Result<Widened> {
    let parts = demo_parts()?;
    let demo = demo_procedures(db, &parts).await?;
    let agencies = catalog::agencies(db).await?;
    let is_unit = |k: AgencyKind| matches!(k, AgencyKind::Department | AgencyKind::Commune);
    let templates: Vec<_> = agencies.iter().filter(|a| is_unit(a.kind) && !a.code.starts_with(WIDENED)).collect();
    let mut all_units: Vec<(String, AgencyKind)> =
        agencies.iter().filter(|a| is_unit(a.kind)).map(|a| (a.code.clone(), a.kind)).collect();
    let mut out = Widened::default();
    let mut tx = db.write_tx().await?;
    let mut n = all_units.len();
    let of_kind = |kind: AgencyKind| templates.iter().copied().filter(|a| a.kind == kind).collect::<Vec<_>>();
    let (departments, communes) = (of_kind(AgencyKind::Department), of_kind(AgencyKind::Commune));
    while all_units.len() < units && !templates.is_empty() {
        // Communes outnumber departments in a province: one copy in six is of a department.
        let list = if (n.is_multiple_of(6) && !departments.is_empty()) || communes.is_empty() {
            &departments
        } else {
            &communes
        };
        let t = list[n % list.len()];
        let code = format!("{WIDENED}{n:03}.{}", t.code);
        sqlx::query(
            "INSERT INTO agencies (code, name, name_en, parent_code, kind, counting_rule, abbreviation, governing_body, \
             public_info, tax_code) SELECT $1, name || ' ' || $2, name_en, parent_code, kind, counting_rule, NULL, \
             governing_body, NULL, NULL FROM agencies WHERE code = $3",
        )
        .bind(&code)
        .bind((n + 1).to_string())
        .bind(&t.code)
        .execute(&mut *tx)
        .await?;
        all_units.push((code, t.kind));
        out.units += 1;
        n += 1;
    }
    let (mut count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM procedures").fetch_one(&mut *tx).await?;
    let mut k = 0_usize;
    while (count as usize) < procedures && !demo.is_empty() {
        let t = &demo[k % demo.len()];
        let same_kind: Vec<&(String, AgencyKind)> =
            all_units.iter().filter(|(_, kind)| *kind == t.agency.kind).collect();
        let Some((agency, _)) = same_kind.get((k / demo.len()) % same_kind.len().max(1)).copied() else {
            k += 1;
            continue;
        };
        let code = format!("{WIDENED}{count:05}.{}", t.code);
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO procedures (code, local_code, field_code, agency_code, current_version) \
             SELECT $1, NULL, field_code, $2, current_version FROM procedures WHERE code = $3 RETURNING id",
        )
        .bind(&code)
        .bind(agency)
        .bind(&t.code)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO procedure_versions (procedure_id, version, name, name_en, level, level_reason, time_amount, \
             time_unit, fee_vnd, fee_note, result_kind, documents, form, workflow, created_at, agency_code, details, \
             fee_schedule, field_code, participating_agencies) \
             SELECT $1, v.version, v.name, v.name_en, v.level, v.level_reason, v.time_amount, v.time_unit, v.fee_vnd, \
             v.fee_note, v.result_kind, v.documents, v.form, REPLACE(v.workflow, $3, $2), v.created_at, \
             CASE WHEN v.agency_code IS NULL THEN NULL ELSE $2 END, v.details, v.fee_schedule, v.field_code, NULL \
             FROM procedure_versions v JOIN procedures p ON p.id = v.procedure_id WHERE p.code = $4",
        )
        .bind(id)
        .bind(agency)
        .bind(&t.agency.code)
        .bind(&t.code)
        .execute(&mut *tx)
        .await?;
        count += 1;
        out.procedures += 1;
        k += 1;
    }
    tx.commit().await?;
    Ok(out)
}

/// One event to write.
#[derive(Clone)]
struct NewEvent {
    at: i64,
    by_applicant: bool,
    action: Action,
    from: Option<Status>,
    to: Status,
    step: usize,
}

/// One dossier to write, with its history.
#[derive(Clone)]
struct Row {
    procedure: usize,
    agency_seq: u64,
    applicant_name: String,
    id_number: String,
    phone: String,
    address: String,
    channel: Channel,
    data: String,
    status: Status,
    step: usize,
    resume_status: Option<Status>,
    waiting: Option<(Role, String)>,
    submitted_at: i64,
    received_at: Option<i64>,
    clock_started_at: Option<i64>,
    due_at: Option<i64>,
    finished_at: Option<i64>,
    returned_at: Option<i64>,
    supplement_count: i64,
    events: Vec<NewEvent>,
}

/// The stories dossiers go through, with their share in percent. A good third is still open,
/// so that the reception desk and the specialist and leader steps all have full queues.
const FATES: &[(u32, &[(Who, Action)])] = &[
    // Waiting for reception (some after a supplement).
    (13, &[]),
    (3, &[(Who::Desk, Action::RequestSupplement), (Who::Applicant, Action::Supplement)]),
    // At the specialist step.
    (12, &[(Who::Desk, Action::Receive)]),
    // At the leader step.
    (8, &[(Who::Desk, Action::Receive), (Who::Specialist, Action::Forward)]),
    // Waiting for the applicant.
    (2, &[(Who::Desk, Action::RequestSupplement)]),
    (3, &[(Who::Desk, Action::Receive), (Who::Specialist, Action::RequestSupplement)]),
    // Result issued, waiting to be handed over.
    (5, &[(Who::Desk, Action::Receive), (Who::Specialist, Action::Forward), (Who::Leader, Action::IssueResult)]),
    // Done.
    (
        37,
        &[
            (Who::Desk, Action::Receive),
            (Who::Specialist, Action::Forward),
            (Who::Leader, Action::IssueResult),
            (Who::Desk, Action::ReturnResult),
        ],
    ),
    (
        5,
        &[
            (Who::Desk, Action::Receive),
            (Who::Specialist, Action::RequestSupplement),
            (Who::Applicant, Action::Supplement),
            (Who::Specialist, Action::Forward),
            (Who::Leader, Action::SendBack),
            (Who::Specialist, Action::Forward),
            (Who::Leader, Action::IssueResult),
            (Who::Desk, Action::ReturnResult),
        ],
    ),
    // Refused at the desk or after appraisal.
    (3, &[(Who::Desk, Action::Refuse)]),
    (3, &[(Who::Desk, Action::Receive), (Who::Specialist, Action::Refuse)]),
    // Withdrawn.
    (3, &[(Who::Applicant, Action::Withdraw)]),
    (3, &[(Who::Desk, Action::Receive), (Who::Applicant, Action::Withdraw)]),
];

/// The stories of [`Mix::OpenOnly`]: every one ends received or processing, its clock running.
const OPEN_FATES: &[(u32, &[(Who, Action)])] = &[
    // At the specialist step.
    (45, &[(Who::Desk, Action::Receive)]),
    // At the leader step.
    (35, &[(Who::Desk, Action::Receive), (Who::Specialist, Action::Forward)]),
    // Back at the specialist step after a supplement (the clock restarted).
    (
        10,
        &[
            (Who::Desk, Action::Receive),
            (Who::Specialist, Action::RequestSupplement),
            (Who::Applicant, Action::Supplement),
        ],
    ),
    // Sent back by the leader.
    (10, &[(Who::Desk, Action::Receive), (Who::Specialist, Action::Forward), (Who::Leader, Action::SendBack)]),
];

/// Which dossiers to generate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mix {
    /// Every status, as a province has them: about 20 % in the workflow (received or
    /// processing), most of the rest finished.
    #[default]
    Realistic,
    /// Only dossiers in the workflow (received or processing), due dates spread so that about
    /// a third are overdue: for the overdue scan and the deadline filters.
    OpenOnly,
    /// The stories of [`Mix::Realistic`] submitted evenly over the past `years`, where nothing
    /// submitted more than [`OPEN_FOR_DAYS`] ago is still open (such a dossier is given one of
    /// the stories that finish): a province's history, about 1 % of it open over five years.
    History {
        /// How many years back.
        years: u32,
    },
}

/// How long a dossier of a [`Mix::History`] may stay open.
pub const OPEN_FOR_DAYS: i64 = 40;

/// Whether a story ends the dossier: a result, a refusal, or a withdrawal before reception (after
/// it, the applicant only asks to withdraw and the dossier waits for an officer).
fn finishes(script: &[(Who, Action)]) -> bool {
    match script.last() {
        Some((_, Action::IssueResult | Action::ReturnResult | Action::Refuse)) => true,
        Some((_, Action::Withdraw)) => !script.iter().any(|(_, a)| *a == Action::Receive),
        _ => false,
    }
}

impl Mix {
    fn fates(self) -> &'static [(u32, &'static [(Who, Action)])] {
        match self {
            Mix::Realistic | Mix::History { .. } => FATES,
            Mix::OpenOnly => OPEN_FATES,
        }
    }
}

/// Who takes a scripted action.
#[derive(Clone, Copy)]
enum Who {
    Applicant,
    Desk,
    Specialist,
    Leader,
}

fn pick<'a>(rng: &mut StdRng, list: &'a [String]) -> &'a str {
    &list[rng.gen_range(0..list.len())]
}

/// Everything the generator needs, loaded once.
struct Generator {
    rng: StdRng,
    procs: Arc<Vec<Procedure>>,
    /// Cumulative weights of `procs`.
    weights: Vec<u32>,
    rules: HashMap<String, CountingRule>,
    cal: WorkingCalendar,
    centre: String,
    people: People,
    now: DateTime<Utc>,
    mix: Mix,
}

impl Generator {
    fn pick_procedure(&mut self) -> usize {
        let total = *self.weights.last().unwrap_or(&1);
        let x = self.rng.gen_range(0..total);
        self.weights.partition_point(|&w| w <= x)
    }

    /// A story drawn by the weights of the mix.
    fn pick_fate(&mut self) -> &'static [(Who, Action)] {
        let fates = self.mix.fates();
        let total: u32 = fates.iter().map(|(w, _)| w).sum();
        let mut x = self.rng.gen_range(0..total);
        fates
            .iter()
            .find(|(w, _)| {
                if x < *w {
                    true
                } else {
                    x -= w;
                    false
                }
            })
            .map(|(_, s)| *s)
            .unwrap_or(&[])
    }

    /// A moment in office hours strictly after `t`: on the same day if the random time of day
    /// falls after it, else on the next working day.
    fn office_moment(&mut self, t: DateTime<Utc>) -> DateTime<Utc> {
        let mut day = t.with_timezone(&vn_offset()).date_naive();
        for _ in 0..60 {
            if self.cal.is_working_day(day) {
                let minutes =
                    if self.rng.gen_bool(0.5) { self.rng.gen_range(450..690) } else { self.rng.gen_range(810..1020) };
                let local = day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minutes);
                if let Some(at) = vn_offset().from_local_datetime(&local).single().map(|l| l.with_timezone(&Utc)) {
                    if at > t {
                        return at;
                    }
                }
            }
            day = day.succ_opt().unwrap_or(day);
        }
        t + Duration::minutes(1)
    }

    /// Plausible answers to a form, valid by its rules.
    fn answers(&mut self, form: &[FormField]) -> Map<String, Value> {
        let mut m = Map::new();
        for f in form {
            let v = match f.kind {
                FieldType::Text | FieldType::Textarea => {
                    Value::String(self.people.addresses[self.rng.gen_range(0..self.people.addresses.len())].clone())
                }
                FieldType::Number => Value::from(self.rng.gen_range(1..5)),
                FieldType::Date => Value::String(format!(
                    "{}-{:02}-{:02}",
                    self.rng.gen_range(1960..2020),
                    self.rng.gen_range(1..13),
                    self.rng.gen_range(1..29)
                )),
                FieldType::Select => {
                    let n = f.options.len().max(1);
                    Value::String(f.options.get(self.rng.gen_range(0..n)).map(|o| o.value.clone()).unwrap_or_default())
                }
                FieldType::Checkbox => Value::Bool(f.required || self.rng.gen_bool(0.5)),
                FieldType::Email => Value::String("lienhe@example.vn".into()),
                FieldType::Phone => Value::String(format!("09{:08}", self.rng.gen_range(0..100_000_000))),
            };
            m.insert(f.key.clone(), v);
        }
        m
    }

    /// One dossier, its story played through the lifecycle rules.
    fn dossier(&mut self) -> Result<Row> {
        let pi = self.pick_procedure();
        let procs = self.procs.clone();
        let p = &procs[pi];
        let mut script = self.pick_fate();
        let finished =
            script.iter().any(|(_, a)| matches!(a, Action::ReturnResult | Action::Refuse | Action::Withdraw));
        let rule = self.rules.get(&p.agency.code).cloned().unwrap_or_default();
        // Open dossiers are recent; finished ones spread over the past year.
        let start = match self.mix {
            Mix::Realistic => {
                let span_hours = if finished { 365 * 24 } else { 40 * 24 };
                let ago = Duration::hours(self.rng.gen_range(1..span_hours));
                Some(self.office_moment(self.now - ago))
            }
            Mix::History { years } => {
                let ago = Duration::hours(self.rng.gen_range(1..(i64::from(years.max(1)) * 365 * 24)));
                while ago > Duration::days(OPEN_FOR_DAYS) && !finishes(script) {
                    script = self.pick_fate();
                }
                Some(self.office_moment(self.now - ago))
            }
            Mix::OpenOnly => None,
        };
        let family = pick(&mut self.rng, &self.people.family_names);
        let middle = pick(&mut self.rng, &self.people.middle_names);
        let given = pick(&mut self.rng, &self.people.given_names);
        let applicant_name = format!("{family} {middle} {given}");
        let data = serde_json::to_string(&self.answers(&p.form))?;
        let row = Row {
            procedure: pi,
            agency_seq: 0,
            applicant_name,
            id_number: format!("038{:09}", self.rng.gen_range(0..1_000_000_000u64)),
            phone: format!("09{:08}", self.rng.gen_range(0..100_000_000)),
            address: pick(&mut self.rng, &self.people.addresses).to_string(),
            channel: if self.rng.gen_bool(0.6) { Channel::Online } else { Channel::InPerson },
            data,
            status: Status::Submitted,
            step: 0,
            resume_status: None,
            waiting: None,
            submitted_at: 0,
            received_at: None,
            clock_started_at: None,
            due_at: None,
            finished_at: None,
            returned_at: None,
            supplement_count: 0,
            events: Vec::new(),
        };
        if let Some(t) = start {
            return self.story(row, p, &rule, script, t);
        }
        // Only open dossiers: a third of them overdue. The start is drawn over twice the limit
        // plus the time the story takes to (re)start the clock, and drawn again (up to a bound)
        // until the dossier falls on the chosen side of its due date, so that the share does not
        // depend on how well that time is guessed for each procedure.
        let now = millis(self.now);
        let want_overdue = self.rng.gen_bool(1.0 / 3.0);
        let limit_hours = (due_at(&self.cal, &rule, self.now, p.limit) - self.now).num_hours();
        let to_clock = script
            .iter()
            .rposition(|(_, a)| matches!(a, Action::Receive | Action::Supplement))
            .map_or(1, |i| i as i64 + 1);
        let gap = 24
            + match p.limit.unit {
                TimeUnit::Hours | TimeUnit::HalfDays => 0,
                _ => 4 * i64::from(p.limit.amount.max(1)),
            };
        let span_hours = (2 * (limit_hours + to_clock * gap)).max(2);
        let mut tries = 0;
        loop {
            let ago = Duration::hours(self.rng.gen_range(1..span_hours));
            let t = self.office_moment(self.now - ago);
            let r = self.story(row.clone(), p, &rule, script, t)?;
            tries += 1;
            if r.due_at.is_some_and(|due| (due < now) == want_overdue) || tries == 40 {
                return Ok(r);
            }
        }
    }

    /// Plays `script` on a dossier submitted at `t`.
    fn story(
        &mut self,
        mut row: Row,
        p: &Procedure,
        rule: &CountingRule,
        script: &[(Who, Action)],
        mut t: DateTime<Utc>,
    ) -> Result<Row> {
        let desk = Actor::Officer {
            id: 0,
            agency: self.centre.clone(),
            at_service_centre: true,
            roles: vec![Role::Reception],
        };
        let staff =
            |role| Actor::Officer { id: 0, agency: p.agency.code.clone(), at_service_centre: false, roles: vec![role] };
        row.submitted_at = millis(t);
        row.events.push(NewEvent {
            at: millis(t),
            by_applicant: true,
            action: Action::Submit,
            from: None,
            to: Status::Submitted,
            step: 0,
        });
        for (who, action) in script {
            let actor = match who {
                Who::Applicant => Actor::Applicant,
                Who::Desk => desk.clone(),
                Who::Specialist => staff(Role::Specialist),
                Who::Leader => staff(Role::Leader),
            };
            let s = Situation {
                status: row.status,
                lead_agency: &p.agency.code,
                workflow: &p.workflow,
                step: row.step,
                resume_status: row.resume_status,
                assignee: None,
                consultations_pending: false,
                fee_due: None,
                withdrawal_requested: false,
            };
            let tr = transition(&s, &actor, *action).map_err(|e| {
                StoreError::Other(format!("synthetic story for {}: {action:?} on {:?}: {e}", p.code, row.status))
            })?;
            let gap_hours = match p.limit.unit {
                TimeUnit::Hours | TimeUnit::HalfDays => self.rng.gen_range(1..4),
                _ => self.rng.gen_range(2..(8 * i64::from(p.limit.amount.max(1))).max(3)),
            };
            t = self.office_moment(t + Duration::hours(gap_hours));
            let at = millis(t);
            if *action == Action::Receive {
                row.received_at = Some(at);
            }
            if tr.restarts_clock {
                row.clock_started_at = Some(at);
                row.due_at = Some(millis(due_at(&self.cal, rule, t, p.limit)));
            }
            if matches!(tr.to, Status::ResultReady | Status::Refused | Status::Withdrawn) && row.finished_at.is_none() {
                row.finished_at = Some(at);
            }
            if tr.to == Status::Returned {
                row.returned_at = Some(at);
            }
            if *action == Action::RequestSupplement {
                row.supplement_count += 1;
            }
            row.events.push(NewEvent {
                at,
                by_applicant: matches!(who, Who::Applicant),
                action: *action,
                from: Some(row.status),
                to: tr.to,
                step: tr.step,
            });
            row.status = tr.to;
            row.step = tr.step;
            row.resume_status = tr.resume_status;
        }
        let s = Situation {
            status: row.status,
            lead_agency: &p.agency.code,
            workflow: &p.workflow,
            step: row.step,
            resume_status: row.resume_status,
            assignee: None,
            consultations_pending: false,
            fee_due: None,
            withdrawal_requested: false,
        };
        row.waiting = waiting_on(&s);
        // A story that ran into the future is moved back as a whole, keeping its order.
        let last = row.events.iter().map(|e| e.at).max().unwrap_or(row.submitted_at);
        let limit = millis(self.now) - 60_000;
        if last > limit {
            let shift = last - limit + self.rng.gen_range(0..3_600_000);
            row.submitted_at -= shift;
            for v in [
                &mut row.received_at,
                &mut row.clock_started_at,
                &mut row.due_at,
                &mut row.finished_at,
                &mut row.returned_at,
            ]
            .into_iter()
            .flatten()
            {
                *v -= shift;
            }
            for e in &mut row.events {
                e.at -= shift;
            }
            // The clock counts from the moved start by the same rules.
            if let Some(started) = row.clock_started_at {
                row.due_at = Some(millis(due_at(&self.cal, rule, crate::from_millis(started), p.limit)));
            }
        }
        Ok(row)
    }
}

/// Reserves `n` numbers of the synthetic sequence of an agency; returns the first.
async fn reserve(tx: &mut WriteTx<'_>, agency: &str, n: usize) -> Result<u64> {
    let (last,): (i64,) = sqlx::query_as(
        "INSERT INTO code_sequences (scope, day, last) VALUES ($1, $2, $3) \
         ON CONFLICT (scope, day) DO UPDATE SET last = code_sequences.last + excluded.last RETURNING last",
    )
    .bind(format!("synthetic:{agency}"))
    .bind("-")
    .bind(n as i64)
    .fetch_one(&mut **tx)
    .await?;
    Ok((last - n as i64 + 1) as u64)
}

fn code_of(agency: &str, submitted_at: i64, seq: u64) -> String {
    let day = crate::from_millis(submitted_at).with_timezone(&vn_offset()).date_naive();
    format!("{agency}-S{}-{seq:06}", day.format("%y%m%d"))
}

/// Placeholders `($k, …, $k+n-1)` for one row of a multi-row `INSERT`. SQLite gets anonymous
/// `?` instead: it looks numbered parameters up by name, one linear scan each, which makes a
/// statement with thousands of them quadratic (seconds per statement).
pub(crate) fn placeholders(out: &mut String, engine: Engine, first: usize, n: usize) {
    out.push('(');
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        match engine {
            Engine::Sqlite => out.push('?'),
            Engine::Postgres => {
                out.push('$');
                out.push_str(&(first + i).to_string());
            }
        }
    }
    out.push(')');
}

/// Writes one transaction's worth of dossiers and their events.
async fn write(db: &Database, g: &Generator, rows: &mut [Row]) -> Result<usize> {
    let mut tx = db.write_tx().await?;
    // Codes: one reservation per agency for the whole batch.
    let mut per_agency: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        per_agency.entry(g.procs[r.procedure].agency.code.as_str()).or_default().push(i);
    }
    for (agency, idx) in &per_agency {
        let first = reserve(&mut tx, agency, idx.len()).await?;
        for (k, &i) in idx.iter().enumerate() {
            rows[i].agency_seq = first + k as u64;
        }
    }
    let key = tx.audit_key()?.clone();
    let mut events = 0;
    for chunk in rows.chunks(DOSSIER_ROWS) {
        // Each history chained with the key, as the audit expects of every history, and its
        // head sealed on the dossier row.
        let mut chains: Vec<Vec<(Option<&'static str>, String)>> = Vec::with_capacity(chunk.len());
        let mut heads: Vec<(String, String)> = Vec::with_capacity(chunk.len());
        for r in chunk {
            let p = &g.procs[r.procedure];
            let code = code_of(&p.agency.code, r.submitted_at, r.agency_seq);
            let mut previous = String::new();
            let mut chain = Vec::with_capacity(r.events.len());
            for e in &r.events {
                let note = match e.action {
                    Action::Refuse => Some("Hồ sơ không đủ điều kiện theo quy định."),
                    Action::RequestSupplement => Some("Đề nghị bổ sung bản sao giấy tờ tùy thân còn hiệu lực."),
                    _ => None,
                };
                let actor = if e.by_applicant { r.applicant_name.as_str() } else { OFFICER_NAME };
                let hash = crate::audit::keyed_event_hash(
                    &key,
                    &previous,
                    &crate::audit::EventContent {
                        dossier_code: &code,
                        at: e.at,
                        actor_user_id: None,
                        actor_name: actor,
                        action: e.action.as_str(),
                        from_status: e.from.map(|s| s.as_str()),
                        to_status: e.to.as_str(),
                        step: Some(e.step as i64),
                        note,
                        fact: None,
                    },
                );
                previous = hash.clone();
                chain.push((note, hash));
            }
            let head_mac = crate::audit::head_mac(
                &key,
                &crate::audit::Head {
                    code: &code,
                    event_count: r.events.len() as i64,
                    last_hash: &previous,
                    status: r.status.as_str(),
                    step: r.step as i64,
                    due_at: r.due_at,
                },
            );
            heads.push((previous, head_mac));
            chains.push(chain);
        }
        const COLS: usize = 28;
        let mut sql = String::from(
            "INSERT INTO dossiers (code, procedure_version_id, procedure_code, lead_agency, applicant_name, \
             applicant_id_number, applicant_phone, applicant_address, channel, data, status, step, resume_status, \
             waiting_role, waiting_agency, submitted_at, received_at, clock_started_at, due_at, finished_at, \
             returned_at, supplement_count, fee_vnd, revision, event_count, last_hash, head_mac, applicant_name_folded) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            placeholders(&mut sql, db.engine, i * COLS + 1, COLS);
        }
        sql.push_str(" RETURNING id, code");
        let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
        let mut codes = Vec::with_capacity(chunk.len());
        for (r, (last_hash, head_mac)) in chunk.iter().zip(&heads) {
            let p = &g.procs[r.procedure];
            let code = code_of(&p.agency.code, r.submitted_at, r.agency_seq);
            codes.push(code.clone());
            q = q
                .bind(code)
                .bind(p.version_id)
                .bind(p.code.clone())
                .bind(p.agency.code.clone())
                .bind(r.applicant_name.clone())
                .bind(r.id_number.clone())
                .bind(r.phone.clone())
                .bind(r.address.clone())
                .bind(r.channel.as_str())
                .bind(r.data.clone())
                .bind(r.status.as_str())
                .bind(r.step as i64)
                .bind(r.resume_status.map(|s| s.as_str()))
                .bind(r.waiting.as_ref().map(|(role, _)| role.as_str()))
                .bind(r.waiting.as_ref().map(|(_, a)| a.clone()))
                .bind(r.submitted_at)
                .bind(r.received_at)
                .bind(r.clock_started_at)
                .bind(r.due_at)
                .bind(r.finished_at)
                .bind(r.returned_at)
                .bind(r.supplement_count)
                .bind(p.fee_vnd)
                .bind(r.events.len() as i64 - 1)
                .bind(r.events.len() as i64)
                .bind(last_hash.clone())
                .bind(head_mac.clone())
                .bind(motcua_domain::text::fold(&r.applicant_name));
        }
        let ids: HashMap<String, i64> = q.fetch_all(&mut *tx).await?.into_iter().map(|(id, code)| (code, id)).collect();
        let mut pending: Vec<(i64, &Row, &NewEvent, Option<&'static str>, String)> = Vec::new();
        for ((r, code), chain) in chunk.iter().zip(&codes).zip(chains) {
            let id = *ids.get(code).ok_or_else(|| StoreError::Other(format!("no id returned for {code}")))?;
            for (e, (note, hash)) in r.events.iter().zip(chain) {
                pending.push((id, r, e, note, hash));
            }
        }
        for part in pending.chunks(EVENT_ROWS) {
            const COLS: usize = 9;
            let mut sql = String::from(
                "INSERT INTO events (dossier_id, at, actor_name, action, from_status, to_status, step, note, hash) VALUES ",
            );
            for i in 0..part.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                placeholders(&mut sql, db.engine, i * COLS + 1, COLS);
            }
            let mut q = sqlx::query(&sql);
            for (id, r, e, note, hash) in part {
                q = q
                    .bind(*id)
                    .bind(e.at)
                    .bind(if e.by_applicant { r.applicant_name.clone() } else { OFFICER_NAME.to_string() })
                    .bind(e.action.as_str())
                    .bind(e.from.map(|s| s.as_str()))
                    .bind(e.to.as_str())
                    .bind(e.step as i64)
                    .bind(*note)
                    .bind(hash.clone());
            }
            q.execute(&mut *tx).await?;
            events += part.len();
        }
    }
    tx.commit().await?;
    Ok(events)
}

/// From how many dossiers [`seed`] writes without the secondary indexes of `dossiers` and
/// `events`, and makes them again at the end: millions of inserts in random order of time and name
/// touch most pages of a dozen indexes in every transaction (on SQLite each page is written to the
/// WAL and then to the file), while building an index once, sorted, reads the table once.
const WITHOUT_INDEXES_FROM: usize = 1_000_000;

/// Drops the secondary indexes of `dossiers` and `events` (not those behind a primary key or a
/// constraint), returning the statements that make them again.
async fn drop_indexes(db: &Database) -> Result<Vec<String>> {
    let indexes: Vec<(String, String)> = match db.engine {
        Engine::Sqlite => {
            sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('dossiers', 'events') \
             AND sql IS NOT NULL ORDER BY name",
            )
            .fetch_all(db.reader())
            .await?
        }
        Engine::Postgres => {
            sqlx::query_as(
                "SELECT CAST(indexname AS TEXT), indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename IN ('dossiers', 'events') \
             AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname",
            )
            .fetch_all(db.reader())
            .await?
        }
    };
    let mut tx = db.write_tx().await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX {name}")).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(indexes.into_iter().map(|(_, create)| create).collect())
}

/// Makes again the indexes [`drop_indexes`] dropped, each in its own transaction.
async fn recreate_indexes(db: &Database, statements: &[String]) -> Result<()> {
    for create in statements {
        let mut tx = db.write_tx().await?;
        if db.engine == Engine::Sqlite {
            // A connection that has not read since the indexes were dropped still holds them in
            // its copy of the schema, and refuses to create one "again": a read brings it up to date.
            sqlx::query("SELECT COUNT(*) FROM sqlite_master").execute(&mut *tx).await?;
        }
        sqlx::query(create).execute(&mut *tx).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Adds `count` synthetic dossiers of the given `mix` to a database holding the demo catalog,
/// deterministically for a given `seed` (apart from the times, relative to now). Calls
/// `progress` after each transaction with the number written so far. From a million on, the
/// tables' secondary indexes are made again at the end ([`WITHOUT_INDEXES_FROM`]): a seeding
/// stopped midway leaves them missing, so start such a database over.
pub async fn seed(db: &Database, count: usize, seed: u64, mix: Mix, progress: impl FnMut(usize)) -> Result<Seeded> {
    seed_with(db, count, seed, mix, count >= WITHOUT_INDEXES_FROM, progress).await
}

/// [`seed`] without the secondary indexes whatever the count, made again at the end.
pub async fn seed_without_indexes(
    db: &Database,
    count: usize,
    seed: u64,
    mix: Mix,
    progress: impl FnMut(usize),
) -> Result<Seeded> {
    seed_with(db, count, seed, mix, true, progress).await
}

async fn seed_with(
    db: &Database,
    count: usize,
    seed: u64,
    mix: Mix,
    without_indexes: bool,
    mut progress: impl FnMut(usize),
) -> Result<Seeded> {
    let parts = demo_parts()?;
    let procs = demo_procedures(db, &parts).await?;
    let agencies = catalog::agencies(db).await?;
    let centre = agencies.iter().find(|a| a.is_service_centre()).map(|a| a.code.clone()).unwrap_or_default();
    let mut rules = HashMap::new();
    for a in &agencies {
        rules.insert(a.code.clone(), catalog::counting_rule(db, &a.code).await?);
    }
    // Communes handle the everyday civil-status procedures: three times the traffic.
    let mut acc = 0;
    let weights = procs
        .iter()
        .map(|p| {
            acc += if p.agency.kind == AgencyKind::Commune { 3 } else { 1 };
            acc
        })
        .collect();
    let mut g = Generator {
        rng: StdRng::seed_from_u64(seed),
        procs: Arc::new(procs),
        weights,
        rules,
        cal: crate::calendar::working_calendar(db).await?,
        centre,
        people: parts.people,
        now: Utc::now(),
        mix,
    };
    let mut out = Seeded::default();
    let dropped = if without_indexes { drop_indexes(db).await? } else { Vec::new() };
    let written = async {
        while out.dossiers < count {
            let n = PER_TRANSACTION.min(count - out.dossiers);
            let mut rows = (0..n).map(|_| g.dossier()).collect::<Result<Vec<_>>>()?;
            for r in &rows {
                *out.by_status.entry(r.status.as_str()).or_default() += 1;
            }
            out.events += write(db, &g, &mut rows).await?;
            out.dossiers += n;
            progress(out.dossiers);
        }
        Ok::<_, StoreError>(())
    }
    .await;
    // Made again whether or not the writing succeeded (what was committed stays).
    recreate_indexes(db, &dropped).await?;
    written?;
    // What autovacuum does within a minute or two of such a bulk insert on a live PostgreSQL
    // (statistics, and the visibility map that lets counts use index-only scans), done now so
    // that measurements right after seeding do not depend on its timing. SQLite is left as a
    // stock installation has it: the server never runs ANALYZE there.
    if db.engine == Engine::Postgres {
        // The simple query protocol: VACUUM refuses to run inside anything else.
        db.maintain("VACUUM ANALYZE dossiers").await?;
        db.maintain("VACUUM ANALYZE events").await?;
    }
    // Written without the indicators' counters: the next start (or `motcua indicators rebuild`)
    // counts them.
    crate::indicator_counts::mark_stale(db).await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_codes_cannot_look_like_real_ones() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let t = vn_offset().from_local_datetime(&day.and_hms_opt(9, 0, 0).unwrap()).unwrap().with_timezone(&Utc);
        assert_eq!(code_of("000.00.12.H38", millis(t), 42), "000.00.12.H38-S260105-000042");
        for pattern in
            [motcua_domain::code::DossierCodePattern::CLASSIC, motcua_domain::code::DossierCodePattern::NATIONAL]
        {
            let real =
                motcua_domain::code::DossierCodePattern::parse(pattern).unwrap().render("000.00.12.H38", day, 42);
            assert!(!real.contains("-S"), "{real}");
        }
    }

    fn generator() -> Generator {
        let lead = "000.00.12.H38";
        let procedure = |code: &str, unit| Procedure {
            id: 1,
            version_id: 1,
            version: 1,
            code: code.into(),
            local_code: None,
            name: "Thủ tục".into(),
            name_en: None,
            field: catalog::Field { code: "F".into(), name: "Lĩnh vực".into(), name_en: None },
            agency: catalog::Agency {
                code: lead.into(),
                name: "Sở Tư pháp".into(),
                name_en: None,
                parent_code: None,
                kind: AgencyKind::Department,
                governing_body: None,
                tax_code: None,
                abbreviation: None,
                info: None,
            },
            participants: vec![],
            level: motcua_domain::catalog::OnlineLevel::Full,
            level_reason: None,
            limit: motcua_domain::calendar::TimeLimit::new(5, unit),
            fee_vnd: 0,
            fee_note: None,
            fee: Default::default(),
            result_kind: motcua_domain::catalog::ResultKind::Paper,
            documents: vec![],
            form: vec![],
            workflow: motcua_domain::dossier::default_workflow(lead),
            details: Default::default(),
        };
        let names = |n: &str| vec![n.to_string()];
        Generator {
            rng: StdRng::seed_from_u64(7),
            procs: Arc::new(vec![procedure("1.1", TimeUnit::WorkingDays), procedure("1.2", TimeUnit::Hours)]),
            weights: vec![1, 2],
            rules: HashMap::new(),
            cal: WorkingCalendar::default(),
            centre: "000.00.01.H38".into(),
            people: People {
                family_names: names("Nguyễn"),
                middle_names: names("Văn"),
                given_names: names("An"),
                addresses: names("Lào Cai"),
            },
            now: Utc::now(),
            mix: Mix::Realistic,
        }
    }

    #[test]
    fn generated_dossiers_are_what_the_application_would_have_stored() {
        for mix in [Mix::Realistic, Mix::OpenOnly] {
            let mut g = generator();
            g.mix = mix;
            for _ in 0..3000 {
                let r = g.dossier().unwrap();
                check(&g, &r);
            }
        }
    }

    /// What every generated dossier must satisfy, whatever the mix.
    fn check(g: &Generator, r: &Row) {
        let now = millis(g.now);
        let p = &g.procs[r.procedure];
        assert_eq!(r.events[0].action, Action::Submit);
        assert_eq!(r.events[0].at, r.submitted_at);
        assert!(r.events.windows(2).all(|w| w[0].at < w[1].at), "times go forward");
        assert!(r.events.iter().all(|e| e.at < now), "nothing in the future");
        assert_eq!(r.events.last().unwrap().to, r.status);
        let s = Situation {
            status: r.status,
            lead_agency: &p.agency.code,
            workflow: &p.workflow,
            step: r.step,
            resume_status: r.resume_status,
            assignee: None,
            consultations_pending: false,
            fee_due: None,
            withdrawal_requested: false,
        };
        assert_eq!(r.waiting, waiting_on(&s));
        assert_eq!(r.received_at.is_some(), r.events.iter().any(|e| e.action == Action::Receive));
        assert_eq!(r.due_at.is_some(), r.clock_started_at.is_some());
        assert_eq!(
            r.finished_at.is_some(),
            r.events.iter().any(|e| matches!(e.to, Status::ResultReady | Status::Refused | Status::Withdrawn))
        );
        if let (Some(started), Some(due)) = (r.clock_started_at, r.due_at) {
            let rule = CountingRule::default();
            assert_eq!(due, millis(due_at(&g.cal, &rule, crate::from_millis(started), p.limit)), "the clock's rule");
        }
    }

    #[test]
    fn open_only_keeps_every_dossier_in_the_workflow_a_third_of_them_overdue() {
        let mut g = generator();
        g.mix = Mix::OpenOnly;
        let now = millis(g.now);
        let n = 6000;
        let mut overdue = 0;
        let mut by_status: HashMap<Status, usize> = HashMap::new();
        for _ in 0..n {
            let r = g.dossier().unwrap();
            let p = &g.procs[r.procedure];
            assert!(matches!(r.status, Status::Received | Status::Processing), "{:?}", r.status);
            *by_status.entry(r.status).or_default() += 1;
            let (role, agency) = r.waiting.clone().expect("someone must act");
            assert!(matches!(role, Role::Specialist | Role::Leader), "{role:?}");
            assert_eq!(agency, p.agency.code);
            assert!(r.finished_at.is_none() && r.returned_at.is_none());
            let due = r.due_at.expect("the clock runs");
            assert!(due > r.clock_started_at.unwrap());
            if due < now {
                overdue += 1;
            }
        }
        let share = overdue as f64 / n as f64;
        assert!((0.25..0.42).contains(&share), "overdue share {share}");
        assert!(by_status[&Status::Received] > n / 3 && by_status[&Status::Processing] > n / 4, "{by_status:?}");
        // Due dates reach well into the past and the future.
        let dues: Vec<i64> = (0..500).map(|_| g.dossier().unwrap().due_at.unwrap()).collect();
        let day = 86_400_000;
        assert!(dues.iter().any(|d| *d < now - 3 * day) && dues.iter().any(|d| *d > now + 3 * day));
    }

    #[test]
    fn every_fate_is_a_legal_story_and_shares_add_up() {
        for fates in [FATES, OPEN_FATES] {
            let total: u32 = fates.iter().map(|(w, _)| w).sum();
            assert_eq!(total, 100);
        }
        let lead = "000.00.12.H38";
        let wf = motcua_domain::dossier::default_workflow(lead);
        let desk = Actor::Officer {
            id: 0,
            agency: "000.00.01.H38".into(),
            at_service_centre: true,
            roles: vec![Role::Reception],
        };
        let staff = |role| Actor::Officer { id: 0, agency: lead.into(), at_service_centre: false, roles: vec![role] };
        for (_, script) in FATES.iter().chain(OPEN_FATES) {
            let mut s = Situation::submitted(lead, &wf);
            for (who, action) in *script {
                let actor = match who {
                    Who::Applicant => Actor::Applicant,
                    Who::Desk => desk.clone(),
                    Who::Specialist => staff(Role::Specialist),
                    Who::Leader => staff(Role::Leader),
                };
                let t = transition(&s, &actor, *action).unwrap_or_else(|_| panic!("{action:?} on {:?}", s.status));
                s = s.after(&t);
            }
        }
    }
}
