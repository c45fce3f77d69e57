//! The self-contained `index.html` of a report: every chart inline, no network, and the
//! numbers beside them; and `summary.md` for a design document.

use std::fmt::Write;

use super::markdown::run_summary;
use super::summary::RunReport;
use super::table::percent;

/// One chart of a scenario: the file it is saved as, its caption and the SVG itself.
#[derive(Debug, Clone)]
pub struct Chart {
    pub file: String,
    pub caption: String,
    pub svg: String,
}

/// Everything a report shows about one scenario.
#[derive(Debug, Clone)]
pub struct ScenarioSection {
    /// Directory name of its charts.
    pub slug: String,
    pub report: RunReport,
    pub charts: Vec<Chart>,
    /// The scenario's chaos experiments, when it has any, and their timelines.
    pub chaos: Option<crate::chaos::ChaosReport>,
    pub chaos_charts: Vec<Chart>,
}

fn escape(text: &str) -> String {
    crate::text::document(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The SVG without its XML declaration, to sit inline in HTML.
fn inline(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(start) => &svg[start..],
        None => svg,
    }
}

/// A file name for a scenario: lowercase letters, digits and dashes.
pub fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-').to_string();
    if slug.is_empty() {
        "scenario".to_string()
    } else {
        slug
    }
}

pub fn index(overview: &Chart, sections: &[ScenarioSection]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>sim report</title>\n<style>\n\
body {{ font-family: sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }}\n\
table {{ border-collapse: collapse; margin: 1em 0; }}\n\
td, th {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}\n\
figure {{ margin: 1.5em 0; }} figcaption {{ color: #555; font-size: 90%; }}\n\
.description {{ color: #444; font-size: 92%; }}\n\
</style>\n</head>\n<body>\n<h1>Availability report</h1>"
    );
    let _ = writeln!(out, "<table>\n<tr><th>scenario</th><th>availability (95% CI)</th><th>downtime min/yr</th><th>tier</th><th>worst trial</th></tr>");
    for section in sections {
        let r = &section.report;
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td>{} ({} to {})</td><td>{:.2}</td><td>{}</td><td>#{}</td></tr>",
            section.slug,
            escape(&r.scenario),
            percent(r.availability.mean),
            percent(r.availability.ci95[0]),
            percent(r.availability.ci95[1]),
            r.downtime_minutes_per_year.mean,
            r.tier.clone().unwrap_or_else(|| "below 99%".into()),
            r.worst_trial.trial
        );
    }
    let _ = writeln!(out, "</table>");
    let _ = writeln!(
        out,
        "<figure>{}<figcaption>{}</figcaption></figure>",
        inline(&overview.svg),
        escape(&overview.caption)
    );
    for section in sections {
        let r = &section.report;
        let _ = writeln!(
            out,
            "<h2 id=\"{}\">{}</h2>",
            section.slug,
            escape(&r.scenario)
        );
        let _ = writeln!(
            out,
            "<p class=\"description\">{}</p>",
            escape(&r.description)
        );
        let _ = writeln!(out, "<pre>{}</pre>", escape(&super::table::render(r)));
        for chart in &section.charts {
            let _ = writeln!(
                out,
                "<figure>{}<figcaption>{}</figcaption></figure>",
                inline(&chart.svg),
                escape(&chart.caption)
            );
        }
        if let Some(chaos) = &section.chaos {
            let _ = writeln!(out, "<h3>Chaos experiments</h3>");
            let _ = writeln!(
                out,
                "<pre>{}</pre>",
                escape(&super::chaos::table(chaos, "FILE"))
            );
            for chart in &section.chaos_charts {
                let _ = writeln!(
                    out,
                    "<figure>{}<figcaption>{}</figcaption></figure>",
                    inline(&chart.svg),
                    escape(&chart.caption)
                );
            }
        }
    }
    let _ = writeln!(out, "</body>\n</html>");
    out
}

pub fn summary(overview: &Chart, sections: &[ScenarioSection]) -> String {
    let mut out = String::from("# Availability report\n\n");
    let _ = writeln!(out, "![{}]({})\n", overview.caption, overview.file);
    for section in sections {
        out.push_str(&run_summary(&section.report));
        out.push('\n');
        for chart in &section.charts {
            let _ = writeln!(
                out,
                "![{}]({}/{})\n",
                chart.caption, section.slug, chart.file
            );
        }
        if let Some(chaos) = &section.chaos {
            out.push_str(&super::chaos::markdown(chaos));
            for chart in &section.chaos_charts {
                let _ = writeln!(
                    out,
                    "![{}]({}/{})\n",
                    chart.caption, section.slug, chart.file
                );
            }
        }
    }
    // Names from the input reach rendered markdown: no raw HTML, no controls.
    crate::text::markdown(&out)
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(slug("Active/Passive v2"), "active-passive-v2");
        assert_eq!(slug("///"), "scenario");
    }
}
