//! Hidden tests, beginner tier: results read before the threads finish, and a panic swallowed by
//! `join().unwrap_or_default()`.
//!
//! `count_words` runs under the checker (`explore`): the scheduler tries many orders of the page
//! threads and the final read, so a total read before the threads are joined is wrong in some of them,
//! on every run (the seed is fixed). `count_with` runs on real threads (outside `explore`, the
//! crate's `thread` is `std`'s): a panic that crosses `join` is what it is about, and under the
//! checker any panic fails the whole schedule.

use lesson08::beginner::{PageError, count_with, count_words};
use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::ThreadId;
use std::time::Duration;
use threadlab_harness::wait::ThreadEnd;
use threadlab_harness::{count_spawns, expect, expect_eq, explore};

fn main() {
    threadlab_harness::main(&[
        (
            "count_words_waits_for_every_thread",
            count_words_waits_for_every_thread,
        ),
        (
            "a_panicking_page_is_reported_with_its_message",
            a_panicking_page_is_reported_with_its_message,
        ),
        (
            "count_with_totals_pages_that_do_not_panic",
            count_with_totals_pages_that_do_not_panic,
        ),
        (
            "the_first_panicking_page_is_reported_after_every_thread_ends",
            the_first_panicking_page_is_reported_after_every_thread_ends,
        ),
        ("pages_match_the_reference", pages_match_the_reference),
    ]);
}

fn pages(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| t.to_string()).collect()
}

/// Three pages of 2, 3 and 4 words: whatever order the scheduler picks, the total is 9, and three
/// page threads were started.
fn count_words_waits_for_every_thread() {
    explore(200, || {
        let (total, threads) =
            count_spawns(|| count_words(pages(&["two words", "three words here", "four words on this"])));
        expect!(
            total == 9,
            "count_words on pages of 2, 3 and 4 words returned {total}, expected 9: the total was read \
             while some page threads had not added their count yet (a thread that is spawned and never \
             joined may not have run at all when the function reads the result)"
        );
        expect_eq!(
            threads,
            3,
            "threads started by count_words for 3 pages (one per page, from crate::thread)"
        );
    });
    explore(1, || {
        expect_eq!(count_words(Vec::new()), 0, "count_words(no pages)");
        // More pages than any number of threads a learner might cap it at: still a thread per page.
        let many: Vec<String> = (0..17).map(|i| "word ".repeat(i)).collect();
        let (total, threads) = count_spawns(|| count_words(many));
        expect_eq!(
            (total, threads),
            (136, 17),
            "(total, threads started) of count_words on 17 pages of 0 to 16 words (a thread of its own per page)"
        );
    });
}

/// Counts words, but panics on a page that says "unreadable".
fn picky_counter(page: &str) -> usize {
    if page.contains("unreadable") {
        panic!("page is unreadable");
    }
    page.split_whitespace().count()
}

fn a_panicking_page_is_reported_with_its_message() {
    let got = count_with(
        pages(&["one two", "this one is unreadable", "three four five"]),
        picky_counter,
    );
    let want = PageError {
        page: 1,
        message: "page is unreadable".to_owned(),
    };
    match got {
        Err(error) => expect_eq!(
            error,
            want,
            "count_with when the counter panics on page 1 with \"page is unreadable\""
        ),
        Ok(total) => panic!(
            "the counter panicked on page 1 (\"page is unreadable\"), but count_with returned Ok({total}): \
             the panic was swallowed and the page counted as 0 words (join().unwrap_or_default() turns a \
             panicked thread into a default value); expected Err({want:?})"
        ),
    }
}

/// The threads a counter ran on.
static COUNTED_ON: Mutex<Vec<ThreadId>> = Mutex::new(Vec::new());

fn words_noting_the_thread(page: &str) -> usize {
    COUNTED_ON.lock().unwrap().push(std::thread::current().id());
    page.split_whitespace().count()
}

fn count_with_totals_pages_that_do_not_panic() {
    // Each page on a thread of its own: as many threads as pages, none of them the caller.
    let input: Vec<String> = (0..13).map(|i| "w ".repeat(i % 4)).collect();
    let want: usize = (0..13).map(|i| i % 4).sum();
    expect_eq!(
        count_with(input, words_noting_the_thread),
        Ok(want),
        "count_with on 13 pages of 0 to 3 words"
    );
    let threads = COUNTED_ON.lock().unwrap().clone();
    let distinct: HashSet<ThreadId> = threads.iter().copied().collect();
    let caller = std::thread::current().id();
    expect!(
        threads.len() == 13 && distinct.len() == 13 && !distinct.contains(&caller),
        "count_with on 13 pages called the counter {} times on {} different threads{}: expected each page counted \
         once, on a thread of its own",
        threads.len(),
        distinct.len(),
        if distinct.contains(&caller) {
            ", one of them the caller's"
        } else {
            ""
        }
    );
    expect_eq!(
        count_with(pages(&["one two", "three four five", "", "six"]), picky_counter),
        Ok(6),
        "count_with on pages of 2, 3, 0 and 1 words"
    );
    expect_eq!(
        count_with(Vec::new(), picky_counter),
        Ok(0),
        "count_with(no pages)"
    );
    fn letters(page: &str) -> usize {
        page.chars().filter(|c| c.is_alphabetic()).count()
    }
    expect_eq!(
        count_with(pages(&["ab c", "def"]), letters),
        Ok(6),
        "count_with(pages [\"ab c\", \"def\"], a counter of letters)"
    );
}

/// Pages whose counter has returned (the slow last page included).
static FINISHED: AtomicUsize = AtomicUsize::new(0);

/// The thread that counted page 3.
static PAGE_3_THREAD: ThreadEnd = ThreadEnd::new();

/// Page `k` says "page k"; pages 1 and 3 panic with a formatted (String) message, the last page is
/// slow: it returns 300 ms after it starts, long after the panics. Page 1 panics only once page 3's
/// thread has ended (or after 2 s), so the first page to panic is never the first panic to arrive:
/// a `count_with` that reports the panic it hears of first, not the lowest page, fails on every run.
fn panics_on_odd_pages(page: &str) -> usize {
    let number: usize = page[5..].parse().unwrap();
    if number == 3 {
        PAGE_3_THREAD.mark_current_thread();
    }
    if number == 1 {
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while !PAGE_3_THREAD.has_ended() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    if number % 2 == 1 {
        panic!("page {number} is torn");
    }
    if number == 4 {
        std::thread::sleep(Duration::from_millis(300));
    }
    FINISHED.fetch_add(1, Ordering::SeqCst);
    1
}

fn the_first_panicking_page_is_reported_after_every_thread_ends() {
    let input = pages(&["page 0", "page 1", "page 2", "page 3", "page 4"]);
    let got = count_with(input, panics_on_odd_pages);
    let finished = FINISHED.load(Ordering::SeqCst);
    expect_eq!(
        got,
        Err(PageError {
            page: 1,
            message: "page 1 is torn".to_owned(),
        }),
        "count_with when pages 1 and 3 panic (\"page 1 is torn\", \"page 3 is torn\")"
    );
    expect!(
        finished == 3,
        "count_with returned the error while {} of the 3 pages that do not panic were still being \
         counted: every thread must have ended when it returns, also when it returns Err (join them all, \
         then report the first panic)",
        3 - finished
    );
}

/// Counters for generated pages: each a plain `fn`, as
/// `count_with` takes. Three panic on a page that holds a `!`, each with another kind of payload.
fn words(page: &str) -> usize {
    page.split_whitespace().count()
}

fn letters(page: &str) -> usize {
    page.chars().filter(|c| c.is_alphabetic()).count()
}

fn panics_with_a_str(page: &str) -> usize {
    if page.contains('!') {
        panic!("a page shouts");
    }
    words(page)
}

fn panics_with_a_string(page: &str) -> usize {
    if page.contains('!') {
        panic!("page of {} bytes shouts", page.len());
    }
    words(page)
}

fn panics_with_a_number(page: &str) -> usize {
    if page.contains('!') {
        std::panic::panic_any(page.len());
    }
    letters(page)
}

/// A generated page: words of letters (with a `!` now and then), separated by every kind of
/// whitespace (spaces, runs of them, tabs, newlines, `\r\n`, Unicode spaces), at the ends too.
fn page(g: &mut threadlab_harness::generate::Gen) -> String {
    const WORDS: &[&str] = &["a", "pool", "queue", "Überweisung", "x!", "!", "über!", "42"];
    const GAPS: &[&str] = &[
        " ", "  ", "\t", "\n", "\r\n", " \t ", "\u{3000}", "\u{a0}", "\u{2003}",
    ];
    let mut text = String::new();
    if g.one_in(3) {
        text.push_str(g.pick(GAPS));
    }
    for i in 0..g.count(9) {
        if i > 0 {
            text.push_str(g.pick(GAPS));
        }
        text.push_str(g.pick(WORDS));
    }
    if g.one_in(3) {
        text.push_str(g.pick(GAPS));
    }
    text
}

/// Generated pages (none, one, many; empty pages; words split by every kind of whitespace) give the
/// same totals as the reference: `count_words` under the checker, and `count_with` with counters
/// that return, or panic with a `&str`, a `String` or another payload on one page (that page and its
/// message are reported; for a payload that is not text only the page counts).
///
/// At most one page of a `count_with` case panics: with several, the page whose thread happens to
/// fail first would decide whether "the first to arrive" passes for "the lowest page", differently
/// from run to run (a bank fixture scored 13 or 15). Which of several panicking pages is reported is
/// `the_first_panicking_page_is_reported_after_every_thread_ends`'s, which forces the order.
fn pages_match_the_reference() {
    use threadlab_harness::generate::{Gen, differential};
    fn pages(g: &mut Gen) -> Vec<String> {
        g.vec(12, page)
    }
    /// Pages of which at most one has a '!' (a panic on the panicking counters): one picked from
    /// those that have one, the others' '!' taken out.
    fn one_panicking(g: &mut Gen) -> Vec<String> {
        let mut pages = pages(g);
        let marked: Vec<usize> = (0..pages.len()).filter(|&i| pages[i].contains('!')).collect();
        if !marked.is_empty() {
            let kept = g.pick(&marked);
            for i in marked.into_iter().filter(|&i| i != kept) {
                pages[i] = pages[i].replace('!', "");
            }
        }
        pages
    }
    type Counter = fn(&str) -> usize;
    const COUNTERS: [(&str, Counter); 5] = [
        ("words", words),
        ("letters", letters),
        (
            "words, panicking with a &str on a page with '!'",
            panics_with_a_str,
        ),
        (
            "words, panicking with a String on a page with '!'",
            panics_with_a_string,
        ),
        (
            "letters, panicking with a number on a page with '!'",
            panics_with_a_number,
        ),
    ];
    let counter = |name: &str| {
        COUNTERS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
            .unwrap()
    };
    // The message of a payload that is not text is not promised: only its page is compared.
    let text = |name: &str| !name.contains("number");
    differential(
        29,
        80,
        "count_with(pages, counter) as Ok(total) or Err((page, message))",
        |g| (one_panicking(g), g.pick(&COUNTERS).0),
        |(pages, name)| {
            count_with(pages.clone(), counter(name))
                .map_err(|e| (e.page, if text(name) { e.message } else { String::new() }))
        },
        |(pages, name)| {
            reference::beginner::count_with(pages.clone(), counter(name))
                .map_err(|e| (e.page, if text(name) { e.message } else { String::new() }))
        },
    );
    // After count_with, so that a failure there is not shown with a schedule drawn from here.
    explore(1, || {
        differential(
            23,
            100,
            "count_words(pages)",
            pages,
            |pages| count_words(pages.clone()),
            |pages| reference::beginner::count_words(pages.clone()),
        );
    });
}
