//! Charts as SVG drawn on the server: no script, nothing loaded from elsewhere, the same picture
//! on screen and on paper.
//!
//! Each chart is a group with a title and a description that screen readers announce
//! (`role="group"`, `<title>`, `<desc>`: not `img`, whose content may hold no link); the page
//! shows the chart's data as a table beside it, and that table, not the picture, carries the
//! links a keyboard reaches, so the bars' links are for the mouse only (`tabindex="-1"`), each
//! named by its bar's label and value for whoever meets it. Colours and type come from the page's stylesheet through
//! class names (`chart`, `bar`, `axis`, `target`, `value`, `label`), so a chart prints in the
//! page's print style and needs no inline style, which the Content-Security-Policy forbids.

use std::fmt::Write;

/// One bar or column: its label, its value, the value as shown, and where it leads.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// What it stands for (a unit, a month, a channel).
    pub label: String,
    /// Its length; `None` draws no bar (nothing measured) and shows `shown`.
    pub value: Option<f64>,
    /// The value as written beside the bar (`95,2 %`, `12`).
    pub shown: String,
    /// The page of the dossiers behind it.
    pub href: Option<String>,
}

/// A chart: its bars and what it says.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// A prefix for the ids of its title and description, unique in the page.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it shows, in a sentence.
    pub description: String,
    /// The bars, in order.
    pub bars: Vec<Bar>,
    /// The value of a full bar (100 for percentages); the largest value when `None`.
    pub max: Option<f64>,
    /// A target drawn as a dashed line across the columns, with its label.
    pub target: Option<(f64, String)>,
}

/// Width of the drawing in its own units, about a phone's width in CSS pixels, so that its text
/// keeps the page's size there; wider screens show it a little larger.
const WIDTH: f64 = 400.0;

/// The longest label drawn, in characters: longer ones end with "…" (the table beside the chart
/// has them whole).
const LABEL_CHARS: usize = 52;

/// A label cut to [`LABEL_CHARS`].
fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_string();
    }
    let mut out: String = label.chars().take(LABEL_CHARS - 1).collect();
    out.push('…');
    out
}

/// Escapes text for SVG content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Chart {
    /// The value of a full bar: the one given, else the largest value (at least 1).
    fn full(&self) -> f64 {
        let largest = self.bars.iter().filter_map(|b| b.value).fold(0.0_f64, f64::max);
        self.max.filter(|m| *m > 0.0).unwrap_or(largest).max(1.0)
    }

    /// The opening tag, the title and the description.
    fn open(&self, height: f64, class: &str) -> String {
        let id = escape(&self.id);
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart {class}\" viewBox=\"0 0 {WIDTH} {height}\" \
             role=\"group\" aria-labelledby=\"{id}-title {id}-desc\" preserveAspectRatio=\"xMinYMin meet\">\
             <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            escape(&self.title),
            escape(&self.description)
        )
    }

    /// A bar's shape, inside a link for the mouse when it leads somewhere.
    fn linked(bar: &Bar, shape: String) -> String {
        match &bar.href {
            Some(href) => format!(
                "<a href=\"{}\" tabindex=\"-1\" aria-label=\"{}: {}\">{shape}</a>",
                escape(href),
                escape(&bar.label),
                escape(&bar.shown)
            ),
            None => shape,
        }
    }

    /// Horizontal bars, one a row, each label above its bar: long names (units) stay readable
    /// on a phone.
    pub fn bars_svg(&self) -> String {
        const ROW: f64 = 42.0;
        const LABEL: f64 = 15.0;
        const THICK: f64 = 16.0;
        const ROOM: f64 = 80.0;
        let height = (self.bars.len() as f64 * ROW).max(ROW) + 4.0;
        let full = self.full();
        let mut out = self.open(height, "bars");
        for (i, bar) in self.bars.iter().enumerate() {
            let top = i as f64 * ROW + 2.0;
            let _ = write!(
                out,
                "<text class=\"label\" x=\"0\" y=\"{:.1}\">{}</text>",
                top + LABEL - 2.0,
                escape(&shorten(&bar.label))
            );
            let length = bar.value.map_or(0.0, |v| (v.max(0.0) / full).min(1.0) * (WIDTH - ROOM));
            let y = top + LABEL + 4.0;
            if bar.value.is_some() {
                let rect = format!(
                    "<rect class=\"bar\" x=\"0\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{THICK}\"></rect>",
                    length.max(1.0)
                );
                out.push_str(&Self::linked(bar, rect));
            }
            let _ = write!(
                out,
                "<text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                length + 6.0,
                y + THICK - 3.0,
                escape(&bar.shown)
            );
        }
        out.push_str("</svg>");
        out
    }

    /// Vertical columns side by side (months), with a scale from 0 to the full value and the
    /// target as a dashed line.
    pub fn columns_svg(&self) -> String {
        const HEIGHT: f64 = 260.0;
        const LEFT: f64 = 34.0;
        const TOP: f64 = 24.0;
        const BOTTOM: f64 = 40.0;
        let plot = HEIGHT - TOP - BOTTOM;
        let full = self.full();
        let n = self.bars.len().max(1) as f64;
        let slot = (WIDTH - LEFT) / n;
        let y_of = |v: f64| TOP + plot - (v.max(0.0) / full).min(1.0) * plot;
        let mut out = self.open(HEIGHT, "columns");
        for step in 0..=4 {
            let v = full * f64::from(step) / 4.0;
            let y = y_of(v);
            let _ = write!(
                out,
                "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{WIDTH}\" y2=\"{y:.1}\"></line>\
                 <text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                LEFT - 6.0,
                y + 4.0,
                (v.round() as i64)
            );
        }
        if let Some((target, label)) = &self.target {
            let y = y_of(*target);
            let _ = write!(
                out,
                "<line class=\"target\" x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{WIDTH}\" y2=\"{y:.1}\"></line>\
                 <text class=\"label\" x=\"{WIDTH}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                y - 4.0,
                escape(label)
            );
        }
        for (i, bar) in self.bars.iter().enumerate() {
            let x = LEFT + i as f64 * slot;
            let centre = x + slot / 2.0;
            if let Some(v) = bar.value {
                let y = y_of(v);
                let rect = format!(
                    "<rect class=\"bar\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\"></rect>",
                    x + slot * 0.15,
                    slot * 0.7,
                    (TOP + plot - y).max(1.0)
                );
                out.push_str(&Self::linked(bar, rect));
            }
            let top = bar.value.map_or(TOP + plot, y_of);
            let _ = write!(
                out,
                "<text class=\"value\" x=\"{centre:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
                 <text class=\"label\" x=\"{centre:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                top - 4.0,
                escape(&bar.shown),
                HEIGHT - BOTTOM + 18.0,
                escape(&bar.label)
            );
        }
        out.push_str("</svg>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(bars: Vec<Bar>) -> Chart {
        Chart {
            id: "c1".into(),
            title: "Tỷ lệ <đúng hạn>".into(),
            description: "Theo tháng & đơn vị".into(),
            bars,
            max: Some(100.0),
            target: Some((90.0, "Mục tiêu 90 %".into())),
        }
    }

    fn bar(label: &str, value: Option<f64>, href: Option<&str>) -> Bar {
        Bar {
            label: label.into(),
            value,
            shown: value.map_or("—".into(), |v| format!("{v} %")),
            href: href.map(Into::into),
        }
    }

    #[test]
    fn a_chart_names_itself_and_escapes_its_text() {
        let svg = chart(vec![bar("Sở \"Tư pháp\"", Some(50.0), Some("/bao-cao?a=1&b=2"))]).bars_svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("role=\"group\" aria-labelledby=\"c1-title c1-desc\""));
        assert!(svg.contains("<title id=\"c1-title\">Tỷ lệ &lt;đúng hạn&gt;</title>"));
        assert!(svg.contains("<desc id=\"c1-desc\">Theo tháng &amp; đơn vị</desc>"));
        assert!(svg.contains("Sở &quot;Tư pháp&quot;"));
        assert!(svg.contains(
            "<a href=\"/bao-cao?a=1&amp;b=2\" tabindex=\"-1\" aria-label=\"Sở &quot;Tư pháp&quot;: 50 %\"><rect class=\"bar\""
        ));
        assert!(!svg.contains("style="), "no inline style");
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn bars_are_proportional_to_the_full_value() {
        let svg = chart(vec![bar("a", Some(50.0), None), bar("b", Some(150.0), None), bar("c", None, None)]).bars_svg();
        // 320 units for a full bar: half is 160, more than full is capped.
        assert!(svg.contains("width=\"160.0\""), "{svg}");
        assert!(svg.contains("width=\"320.0\""), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 2, "no bar for nothing measured");
        assert!(svg.contains(">—</text>"));
        // Without a full value given, the largest is full.
        let mut c = chart(vec![bar("a", Some(5.0), None), bar("b", Some(10.0), None)]);
        c.max = None;
        assert!(c.bars_svg().contains("width=\"320.0\""));
        // A long label is cut, whole in the table beside.
        let long = "Ủy ban nhân dân xã rất dài ".repeat(4);
        let svg = chart(vec![bar(&long, Some(1.0), None)]).bars_svg();
        assert!(svg.contains(&format!("{}…</text>", long.chars().take(51).collect::<String>())), "{svg}");
    }

    #[test]
    fn columns_have_a_scale_a_target_and_their_labels() {
        let months: Vec<Bar> = (1..=12)
            .map(|m| bar(&format!("{m:02}/27"), if m == 3 { None } else { Some(f64::from(m) * 8.0) }, Some("/x")))
            .collect();
        let svg = chart(months).columns_svg();
        assert_eq!(svg.matches("<rect").count(), 11);
        assert_eq!(svg.matches("class=\"axis\"").count(), 5);
        assert!(svg.contains("class=\"target\""));
        assert!(svg.contains(">Mục tiêu 90 %</text>"));
        assert!(svg.contains(">12/27</text>") && svg.contains(">—</text>"));
    }
}
