//! A tiny "server" whose log lines carry the id of the request being handled: nested requests,
//! a panicking handler that does not leave its id behind, and a helper thread that carries the id
//! across explicitly (and one that does not).
//!
//! Run with `cargo run -p lesson06 --example logging_context`.

use lesson06::thread::{self, thread_local};
use std::cell::RefCell;
use std::panic;

thread_local! {
    static REQUEST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Puts the previous id back when dropped, on a normal return and during a panic.
struct Restore(Option<String>);

impl Drop for Restore {
    fn drop(&mut self) {
        REQUEST.set(self.0.take());
    }
}

fn in_request<R>(id: &str, f: impl FnOnce() -> R) -> R {
    let _restore = Restore(REQUEST.replace(Some(id.to_owned())));
    f()
}

fn log(msg: &str) {
    let tag = REQUEST.with_borrow(|id| id.clone().unwrap_or_else(|| "no-request".to_owned()));
    println!("{:>8} [{tag}] {msg}", thread::current().name().unwrap_or("?"));
}

fn handle(id: &str) {
    in_request(id, || {
        log("start");
        in_request(&format!("{id}/db"), || log("query users"));
        log("back in the request after the nested one");

        // Carried: the id is read here, on this thread, and moved into the helper.
        let carried = REQUEST.with_borrow(|id| id.clone());
        let helper = thread::Builder::new().name("helper".into()).spawn(move || {
            let _restore = Restore(REQUEST.replace(carried));
            log("sending the confirmation mail");
        });
        // Not carried: a plain spawn starts with an empty context.
        let plain = thread::Builder::new()
            .name("plain".into())
            .spawn(|| log("this line has lost its request"));
        helper
            .and_then(|h| h.join().map_err(|_| std::io::Error::other("helper panicked")))
            .ok();
        plain
            .and_then(|h| h.join().map_err(|_| std::io::Error::other("plain panicked")))
            .ok();

        if id.ends_with('3') {
            panic!("request {id} failed");
        }
        log("done");
    });
}

fn main() {
    // Keep the panic message short; the point is what happens to the context afterwards.
    panic::set_hook(Box::new(|info| {
        println!(
            "    (panic: {})",
            info.payload()
                .downcast_ref::<String>()
                .map_or("?", String::as_str)
        )
    }));
    let server = thread::Builder::new()
        .name("server".into())
        .spawn(|| {
            for n in 1..=4 {
                let id = format!("req-{n}");
                if panic::catch_unwind(|| handle(&id)).is_err() {
                    log(&format!("{id} was answered with an error"));
                }
            }
            log("idle: no request is left behind, not even the one that panicked");
        })
        .expect("spawn the server thread");
    server.join().expect("the server thread panicked");
}
