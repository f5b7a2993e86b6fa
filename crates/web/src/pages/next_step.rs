//! The first block of the applicant's dossier page: what they are to do now (pay, supply what is
//! missing, download or collect the result) or, when nothing is theirs to do, what happens next
//! and by when. The rule is the domain's (`applicant_step`); this words it.

use motcua_app::dossiers::view::DossierView;
use motcua_app::i18n::Lang;
use motcua_app::present::{show_money, show_time};
use motcua_domain::dossier::{Action, ApplicantStep, Status};

/// The next step as shown.
pub struct NextStepView {
    /// The step's machine name (`pay`, `await_result`…), for styles and tests.
    pub kind: &'static str,
    pub title: String,
    pub text: String,
    /// A link that does it: (address, label).
    pub link: Option<(String, String)>,
    /// Whether the block holds the online payment form.
    pub pay: bool,
}

/// The applicant's next step in words; `None` for officers. `pays_online`: whether the server
/// takes payments online; if not, the fee is paid at the desk and no payment form is offered.
pub fn next_step(lang: Lang, v: &DossierView, result_url: Option<&str>, pays_online: bool) -> Option<NextStepView> {
    let step = v.applicant_step?;
    let d = &v.dossier;
    let mut view =
        NextStepView { kind: step.as_str(), title: String::new(), text: String::new(), link: None, pay: false };
    match step {
        ApplicantStep::Pay => {
            view.title = lang.t_args("next-pay-title", &[("amount", &show_money(d.fee_vnd))]);
            let at_desk = if pays_online { "" } else { "counter-" };
            view.text = lang.t(&format!("next-pay-{at_desk}{}", v.procedure.fee.timing.as_str()));
            view.pay = pays_online && v.actions.contains(&Action::Pay);
        }
        ApplicantStep::Supplement => {
            view.title = lang.t("next-supplement-title");
            view.text = lang.t_args("next-supplement-text", &[("note", v.last_note(Action::RequestSupplement))]);
            view.link = Some(("#action-supplement".into(), lang.t("next-supplement-link")));
        }
        ApplicantStep::Download => {
            view.title = lang.t("next-download-title");
            view.text = lang.t("next-download-text");
            view.link = result_url.map(|u| (u.to_string(), lang.t("next-download-link")));
        }
        ApplicantStep::Collect => {
            view.title = lang.t("next-collect-title");
            view.text = lang.t("next-collect-text");
        }
        ApplicantStep::AwaitReception => {
            view.title = lang.t("next-await-reception-title");
            view.text = lang.t("next-await-reception-text");
        }
        ApplicantStep::AwaitResult => {
            view.title = lang.t("next-await-result-title");
            view.text = match d.due_at {
                Some(due) => lang.t_args("next-await-result-text", &[("due", &show_time(Some(due)))]),
                None => lang.t("next-await-result-undated"),
            };
        }
        ApplicantStep::AwaitWithdrawal => {
            view.title = lang.t("next-await-withdrawal-title");
            view.text = lang.t("next-await-withdrawal-text");
        }
        ApplicantStep::Closed => {
            view.title = lang.t(&format!("status-{}", d.status.as_str()));
            view.text = match d.status {
                Status::Refused => lang.t_args("next-closed-refused", &[("note", v.last_note(Action::Refuse))]),
                Status::Withdrawn => lang.t("next-closed-withdrawn"),
                _ => lang.t_args("next-closed-returned", &[("at", &show_time(d.returned_at.or(d.finished_at)))]),
            };
        }
    }
    Some(view)
}
