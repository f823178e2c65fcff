//! `report.html`: one self-contained page (inline CSS, a few lines of inline JS, inline SVG; no
//! network: its Content-Security-Policy allows nothing to be fetched), readable offline and in any
//! browser. Everything a student controls (folder names, messages, file contents) is escaped.
//! Numbers sit in `data-` attributes as well as in the text, so tests and scripts can read them.

use super::{BINS, Histogram, Student, TestStats, far_below, histograms, test_stats, texts};
use crate::classroom::gradebook::RowStatus;
use crate::classroom::similarity::{self, Comparison, Fragment, Pair, Submission};
use crate::tier::Tier;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Flagged pairs shown side by side; more are listed (a page of hundreds of files would not open).
const SIDE_BY_SIDE: usize = 40;
/// The highest pairs listed in the similarity table, flagged or not.
const TOP_PAIRS: usize = 15;

const STYLE: &str = "
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#222}
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}th.sort{cursor:pointer}td.n{text-align:right}
.hists{display:flex;flex-wrap:wrap;gap:1.5em}.hist figcaption{font-weight:600}
.bar{fill:#4a7fb5}.low{background:#fde8e8}.msg{font-family:ui-monospace,monospace;font-size:.9em}
.flag{color:#b00;font-weight:600}.pair{margin:1.5em 0}.sides{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1em}
pre{background:#fafafa;border:1px solid #ddd;padding:.5em;overflow:auto;font-size:12px;line-height:1.35}
pre span{display:block;white-space:pre}pre span.hl{background:#fff3b0}pre i{color:#999;font-style:normal;user-select:none}
";

/// Sorts the students table by a clicked column; marks the page as scripted (a test checks it ran).
const SCRIPT: &str = "
document.querySelectorAll('table.sortable th').forEach(function(th, col) {
  th.classList.add('sort');
  th.addEventListener('click', function() {
    var body = th.closest('table').tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var asc = th.dataset.dir !== 'asc';
    th.dataset.dir = asc ? 'asc' : 'desc';
    rows.sort(function(a, b) {
      var x = a.cells[col].dataset.v || a.cells[col].textContent;
      var y = b.cells[col].dataset.v || b.cells[col].textContent;
      var d = (isNaN(x) || isNaN(y)) ? x.localeCompare(y) : x - y;
      return asc ? d : -d;
    });
    rows.forEach(function(r) { body.appendChild(r); });
  });
});
document.body.dataset.scripted = 'yes';
";

/// Text as HTML, safe in content and in quoted attributes.
pub fn escape(text: &str) -> String {
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

/// A folder name as one segment of a relative URL: every byte but the unreserved ones escaped, so no
/// name can become another path, a query or a `javascript:` link.
pub fn url_segment(name: &str) -> String {
    let mut out = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    // `.` and `..` alone would climb out of `reports/`.
    if out == "." || out == ".." {
        out = out.replace('.', "%2E");
    }
    out
}

/// The whole page.
pub fn render(
    title: &str,
    students: &[Student],
    comparison: &Comparison,
    submissions: &[Submission],
    note: Option<&str>,
) -> String {
    let mut page = String::new();
    let title = escape(title);
    let graded = students
        .iter()
        .filter(|s| s.row.status == RowStatus::Graded)
        .count();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         script-src 'unsafe-inline'\">\n<title>Class report: {title}</title>\n<style>{STYLE}</style>\n</head>\n\
         <body data-students=\"{}\" data-graded=\"{graded}\">\n<h1>Class report: {title}</h1>\n\
         <p>{} students, {graded} graded. Each student's JSON report is in <code>reports/</code> and their \
         feedback in <code>feedback/</code>, beside this page; every pair of tier files is scored in \
         <a href=\"similarity.csv\">similarity.csv</a>.</p>\n\
         <nav><a href=\"#distribution\">Scores</a> · <a href=\"#tests\">Tests</a> · \
         <a href=\"#students\">Students</a> · <a href=\"#similarity\">Similarity</a></nav>\n",
        students.len(),
        students.len()
    );
    distribution(&mut page, &histograms(students));
    tests(&mut page, &test_stats(students), graded);
    student_table(&mut page, students);
    similarity_section(&mut page, comparison, submissions, note);
    let _ = write!(page, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    page
}

fn distribution(page: &mut String, histograms: &[Histogram]) {
    page.push_str("<section id=\"distribution\">\n<h2>Score distribution</h2>\n<div class=\"hists\">\n");
    for h in histograms {
        let (width, height, bar, gap) = (6 * 44, 130, 36, 8);
        let most = h.counts.iter().copied().max().unwrap_or(0).max(1);
        let mut sorted = h.scores.clone();
        sorted.sort_unstable();
        let median = match sorted.len() {
            0 => "–".to_owned(),
            n if n % 2 == 1 => sorted[n / 2].to_string(),
            n => format!("{}", f64::from(sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
        };
        let _ = write!(
            page,
            "<figure class=\"hist\" data-tier=\"{label}\">\n<figcaption>{label} (out of {max}; median {median})</figcaption>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" \
             aria-label=\"{label} scores\">\n",
            label = escape(&h.label),
            max = h.max,
        );
        for (i, count) in h.counts.iter().enumerate() {
            let x = i * (bar + gap);
            let tall = count * 80 / most;
            let y = 95 - tall;
            let _ = writeln!(
                page,
                "<g data-bin=\"{i}\" data-count=\"{count}\"><rect class=\"bar\" x=\"{x}\" y=\"{y}\" width=\"{bar}\" \
                 height=\"{tall}\"><title>{label}: {count}</title></rect>\
                 <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"middle\" font-size=\"12\">{count}</text>\
                 <text x=\"{tx}\" y=\"112\" text-anchor=\"middle\" font-size=\"10\">{label}</text></g>",
                label = BINS[i],
                tx = x + bar / 2,
                ty = y.saturating_sub(3).max(10),
            );
        }
        page.push_str("</svg>\n</figure>\n");
    }
    page.push_str("</div>\n</section>\n");
}

fn tests(page: &mut String, stats: &[TestStats], graded: usize) {
    let _ = write!(
        page,
        "<section id=\"tests\">\n<h2>Tests, the most failed first</h2>\n\
         <p>Over the {graded} graded students. A test that reached a <code>todo!()</code> counts as not \
         passed (<code>not_started</code>).</p>\n<table>\n<thead><tr><th>test</th><th>tier</th>\
         <th>not passed</th><th>how</th><th>most common messages</th></tr></thead>\n<tbody>\n"
    );
    for s in stats {
        let rate = (s.failed * 100).checked_div(s.graded).unwrap_or(0);
        let how: Vec<String> = s
            .statuses
            .iter()
            .map(|(k, v)| format!("{} {v}", escape(k)))
            .collect();
        let _ = write!(
            page,
            "<tr data-test=\"{name}\" data-failed=\"{}\" data-graded=\"{}\"><td><code>{name}</code></td><td>{}</td>\
             <td class=\"n\">{} of {} ({rate}%)</td><td>{}</td><td>",
            s.failed,
            s.graded,
            escape(&s.tier),
            s.failed,
            s.graded,
            how.join(", "),
            name = escape(&s.name),
        );
        for (message, count) in &s.messages {
            let _ = write!(page, "<div class=\"msg\">{count}× {}</div>", escape(message));
        }
        page.push_str("</td></tr>\n");
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn student_table(page: &mut String, students: &[Student]) {
    let low = far_below(students);
    page.push_str(
        "<section id=\"students\">\n<h2>Students</h2>\n<p>Click a column to sort. A shaded row is far below the \
         rest (under the first quartile by more than 1.5 interquartile ranges).</p>\n\
         <table class=\"sortable\">\n<thead><tr><th>student</th><th>beginner</th><th>intermediate</th>\
         <th>advanced</th><th>total</th><th>status</th><th>files</th></tr></thead>\n<tbody>\n",
    );
    for s in students {
        let row = &s.row;
        let name = escape(&row.student);
        let segment = url_segment(&row.student);
        let class = if low.contains(&row.student) {
            " class=\"low\""
        } else {
            ""
        };
        let _ = write!(
            page,
            "<tr{class} data-student=\"{name}\" data-status=\"{}\" data-scores=\"{},{},{},{},{}\"><td>{name}</td>",
            row.status.as_str(),
            row.tiers[0],
            row.tiers[1],
            row.tiers[2],
            row.total,
            row.max_score
        );
        for (score, max) in row.tiers.iter().zip(s.tier_max) {
            let _ = write!(page, "<td class=\"n\" data-v=\"{score}\">{score}/{max}</td>");
        }
        let _ = write!(
            page,
            "<td class=\"n\" data-v=\"{}\">{}/{}</td><td title=\"{}\">{}</td><td>",
            row.total,
            row.total,
            row.max_score,
            escape(&row.error),
            row.status.as_str()
        );
        match row.status {
            RowStatus::Graded => {
                let _ = write!(
                    page,
                    "<a href=\"reports/{segment}.json\">report</a> · <a href=\"feedback/{segment}.md\">feedback</a>"
                );
            }
            RowStatus::Error => {
                let _ = write!(page, "<a href=\"reports/{segment}.error.txt\">error</a>");
            }
            RowStatus::Refused => {
                let _ = write!(page, "<a href=\"reports/{segment}.refused.txt\">why</a>");
            }
            RowStatus::NoSubmission => {}
        }
        page.push_str("</td></tr>\n");
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn similarity_section(
    page: &mut String,
    comparison: &Comparison,
    submissions: &[Submission],
    note: Option<&str>,
) {
    let flagged: Vec<&Pair> = comparison.pairs.iter().filter(|p| p.flagged()).collect();
    let _ = write!(
        page,
        "<section id=\"similarity\" data-flagged=\"{}\" data-scored=\"{}\">\n<h2>Similarity</h2>\n\
         <p>Each pair of students who handed in the same tier file, compared on their tokens with names, \
         literals, comments and layout abstracted away (renaming hides nothing), by winnowing as MOSS \
         and Dolos do. Left out: the code every student was given (the starter, the README's code blocks, the \
         examples) and code two of the course's own authors wrote alike without seeing each other's \
         (the reference and the blind bug banks): what anyone writes for these exercises. Code the \
         class has in common is not left out for that: a class that copied one solution shows every \
         pair of copies. \
         Similarity is the share of fingerprints the two files have in common (0 to 1). \
         {} pairs scored; {} at or above {:.2} (on at least {} shared fingerprints), or where one file \
         holds {:.2} of the other's (on at least {}: a copy with code of one's own added), are shown \
         side by side below, shared regions highlighted. A high score is a reason to look, not a \
         verdict: short exercises leave little room to differ.</p>\n",
        flagged.len(),
        comparison.pairs.len(),
        comparison.pairs.len(),
        flagged.len(),
        similarity::THRESHOLD,
        similarity::MIN_SHARED,
        similarity::CONTAINED,
        similarity::MIN_CONTAINED
    );
    if let Some(note) = note {
        let _ = writeln!(page, "<p class=\"flag\">Note: {}.</p>", escape(note));
    }
    if !comparison.not_lexed.is_empty() {
        let list: Vec<String> = comparison
            .not_lexed
            .iter()
            .map(|(s, t)| format!("{} ({})", escape(s), t.file_name()))
            .collect();
        let _ = writeln!(
            page,
            "<p>Not compared (the file is not valid Rust tokens, so it cannot compile): {}.</p>",
            list.join(", ")
        );
    }
    page.push_str(
        "<table>\n<thead><tr><th>student a</th><th>student b</th><th>file</th><th>similarity</th>\
         <th>shared fingerprints</th><th></th></tr></thead>\n<tbody>\n",
    );
    // The side-by-side articles are numbered among the flagged pairs only.
    let mut flagged_before = 0;
    for pair in comparison.pairs.iter().take(TOP_PAIRS) {
        let flag = if pair.flagged() {
            flagged_before += 1;
            let i = flagged_before - 1;
            if i < SIDE_BY_SIDE {
                format!("<a class=\"flag\" href=\"#pair-{i}\">flagged</a>")
            } else {
                "<span class=\"flag\">flagged</span>".to_owned()
            }
        } else {
            String::new()
        };
        let _ = writeln!(
            page,
            "<tr data-a=\"{a}\" data-b=\"{b}\" data-file=\"{file}\" data-similarity=\"{s:.3}\" data-flagged=\"{}\">\
             <td>{a}</td><td>{b}</td><td>{file}</td><td class=\"n\">{s:.3}</td><td class=\"n\">{}</td><td>{flag}</td></tr>",
            pair.flagged(),
            pair.shared,
            a = escape(&pair.a),
            b = escape(&pair.b),
            file = pair.file(),
            s = pair.similarity,
        );
    }
    page.push_str("</tbody>\n</table>\n");
    let texts = texts(submissions);
    for (i, pair) in flagged.iter().take(SIDE_BY_SIDE).enumerate() {
        side_by_side(page, i, pair, &texts);
    }
    if flagged.len() > SIDE_BY_SIDE {
        let _ = writeln!(
            page,
            "<p>{} more flagged pairs are not drawn here; similarity.csv lists them.</p>",
            flagged.len() - SIDE_BY_SIDE
        );
    }
    page.push_str("</section>\n");
}

fn side_by_side(page: &mut String, index: usize, pair: &Pair, texts: &BTreeMap<(&str, Tier), &str>) {
    let (a, b) = (escape(&pair.a), escape(&pair.b));
    let file = pair.file();
    let regions: Vec<String> = pair
        .fragments
        .iter()
        .map(|f| format!("lines {}–{} ↔ {}–{}", f.a.0, f.a.1, f.b.0, f.b.1))
        .collect();
    let _ = write!(
        page,
        "<article class=\"pair\" id=\"pair-{index}\" data-a=\"{a}\" data-b=\"{b}\" data-file=\"{file}\" \
         data-regions=\"{}\">\n<h3>{a} and {b}: {file}, {:.3} ({:.2} of the smaller file in the other)</h3>\n\
         <p>Shared regions: {}.</p>\n<div class=\"sides\">\n",
        pair.fragments.len(),
        pair.similarity,
        pair.contained,
        regions.join("; ")
    );
    for (student, tier, side) in [(&pair.a, pair.tier, Side::A), (&pair.b, pair.tier_b, Side::B)] {
        let text = texts.get(&(student.as_str(), tier)).copied().unwrap_or_default();
        let _ = write!(page, "<div><strong>{}</strong>\n<pre>", escape(student));
        for (n, line) in text.lines().enumerate() {
            let n = n + 1;
            let shared = pair.fragments.iter().any(|f| side.contains(f, n));
            let class = if shared { " class=\"hl\"" } else { "" };
            let _ = write!(page, "<span{class}><i>{n:>4} </i>{}</span>", escape(line));
        }
        page.push_str("</pre></div>\n");
    }
    page.push_str("</div>\n</article>\n");
}

#[derive(Clone, Copy)]
enum Side {
    A,
    B,
}

impl Side {
    fn contains(self, fragment: &Fragment, line: usize) -> bool {
        let (from, to) = match self {
            Side::A => fragment.a,
            Side::B => fragment.b,
        };
        (from..=to).contains(&line)
    }
}
