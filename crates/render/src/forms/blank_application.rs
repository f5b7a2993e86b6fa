//! Mẫu đơn, tờ khai để trống: a procedure's application form given out blank, to print, fill in
//! by hand and hand in at the desk or by post. It is drawn from the questions the system asks
//! online, so the paper and the online form ask the same.

use super::{A4_BODY as BODY, A4_HEAD, A4_SMALL as SMALL, A4_TITLE as TITLE, MARGINS};
use crate::fonts::Style::{Bold, Italic, Regular};
use crate::sheet::{Align, Paper, Sheet, Stack};
use crate::text;
use crate::{FormPdf, RenderError};

/// One question of the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlankQuestion {
    /// Answered in writing.
    Written {
        /// The question.
        label: String,
        /// How many lines to leave for the answer.
        lines: usize,
    },
    /// One of the choices, each with a box to tick.
    Choice {
        /// The question.
        label: String,
        /// The choices.
        choices: Vec<String>,
    },
    /// A yes-or-no box.
    Tick {
        /// What is ticked.
        label: String,
    },
}

/// The applicant's pledge (lời cam đoan) that ends an application.
const PLEDGE: &str = "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước \
                      pháp luật về cam đoan của mình.";

/// Who applies: the lines every application starts with.
const APPLICANT: [&str; 4] =
    ["Họ, chữ đệm, tên người yêu cầu", "Số định danh cá nhân", "Nơi cư trú", "Số điện thoại, thư điện tử"];

/// The blank form of a procedure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlankApplication {
    /// The form's official name, e.g. "Tờ khai đăng ký khai sinh"; printed in capitals.
    pub title: String,
    /// The procedure's code and name, printed under the title.
    pub procedure: String,
    /// The agency it is addressed to ("Kính gửi").
    pub agency: String,
    /// The questions, in the online form's order.
    pub questions: Vec<BlankQuestion>,
    /// The documents to attach, by name.
    pub documents: Vec<String>,
}

/// Renders the form on A4 portrait: the national name and motto, the title, the addressee,
/// every question with room to answer, the documents to attach, and the place, date and
/// signature of the applicant, as an application to an authority is laid out.
pub fn render_blank_application(form: &BlankApplication) -> Result<FormPdf, RenderError> {
    let mut sheet = Sheet::new(Paper::A4_PORTRAIT, MARGINS, &form.title);
    let width = sheet.width();
    let motto = Stack::new(width)
        .text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Bold, A4_HEAD, Align::Center)
        .text("Độc lập - Tự do - Hạnh phúc", Bold, A4_HEAD + 1.0, Align::Center)
        .rule(width * 0.3);
    sheet.stacks(vec![(0.0, motto)]);
    sheet.gap(10.0);
    sheet.paragraph(&[(&text::clean(&form.title).to_uppercase(), Bold)], TITLE, Align::Center, 0.0);
    sheet.paragraph(&[(&form.procedure, Italic)], SMALL, Align::Center, 0.0);
    sheet.gap(8.0);
    let size = BODY;
    sheet.paragraph(&[("Kính gửi: ", Bold), (&form.agency, Regular)], size, Align::Left, 0.0);
    sheet.gap(4.0);
    for line in APPLICANT {
        sheet.paragraph(&[(line, Regular), (":", Regular)], size, Align::Left, 0.0);
        sheet.writing_lines(1, size);
    }
    sheet.gap(4.0);
    for (i, question) in form.questions.iter().enumerate() {
        let number = format!("{}. ", i + 1);
        match question {
            BlankQuestion::Written { label, lines } => {
                sheet.paragraph(&[(&number, Bold), (label, Regular), (":", Regular)], size, Align::Left, 0.0);
                sheet.writing_lines((*lines).max(1), size);
            }
            BlankQuestion::Choice { label, choices } => {
                let hint = " (đánh dấu X vào một ô):";
                sheet.paragraph(&[(&number, Bold), (label, Regular), (hint, Italic)], size, Align::Left, 0.0);
                for choice in choices {
                    sheet.tick_box(choice, size, 12.0);
                }
            }
            BlankQuestion::Tick { label } => sheet.tick_box(&format!("{number}{label}"), size, 0.0),
        }
        sheet.gap(3.0);
    }
    if !form.documents.is_empty() {
        sheet.gap(4.0);
        sheet.paragraph(&[("Giấy tờ kèm theo:", Bold)], size, Align::Left, 0.0);
        for (i, document) in form.documents.iter().enumerate() {
            sheet.paragraph(&[(&format!("{}. {document}", i + 1), Regular)], size, Align::Left, 12.0);
        }
    }
    sheet.gap(4.0);
    sheet.paragraph(&[(PLEDGE, Italic)], size, Align::Left, 0.0);
    sheet.gap(6.0);
    let half = width / 2.0;
    let signature = Stack::new(half)
        .text("……………, ngày …… tháng …… năm ……", Italic, size, Align::Center)
        .text("NGƯỜI YÊU CẦU", Bold, size, Align::Center)
        .text("(Ký, ghi rõ họ, chữ đệm, tên)", Italic, SMALL, Align::Center)
        .gap(50.0);
    sheet.stacks(vec![(half, signature)]);
    sheet.finish()
}
