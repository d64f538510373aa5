//! One long-lived thread for work that must not delay an answer: freeing a large old tree,
//! giving freed memory back to the system, readying the catalogue at start-up.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};

type Job = Box<dyn FnOnce() + Send>;

/// Runs `job` on the background thread (in order with the others), or here when that thread
/// cannot be started.
pub fn run(job: impl FnOnce() + Send + 'static) {
    static WORKER: OnceLock<Option<Sender<Job>>> = OnceLock::new();
    let worker = WORKER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("flowls-background".into())
            .spawn(move || rx.into_iter().for_each(|job| job()))
            .ok()
            .map(|_| tx)
    });
    match worker {
        Some(tx) => {
            if let Err(e) = tx.send(Box::new(job)) {
                (e.0)();
            }
        }
        None => job(),
    }
}

/// Drops `value` on the background thread.
pub fn drop_later<T: Send + 'static>(value: T) {
    run(move || drop(value));
}

/// Gives memory freed by a large analysis or parse back to the system (the allocator keeps
/// freed memory that is not at the top of its heap otherwise). Requests made while one is
/// waiting are one.
pub fn release_free_memory() {
    static PENDING: AtomicBool = AtomicBool::new(false);
    if PENDING.swap(true, Ordering::AcqRel) {
        return;
    }
    run(|| {
        PENDING.store(false, Ordering::Release);
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only releases free pages; it is safe to call at any time.
        unsafe {
            libc::malloc_trim(0);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_in_order_off_the_calling_thread() {
        let (tx, rx) = channel();
        let caller = std::thread::current().id();
        for i in 0..5 {
            let tx = tx.clone();
            run(move || {
                let _ = tx.send((i, std::thread::current().id() != caller));
            });
        }
        release_free_memory();
        release_free_memory();
        drop_later(vec![0u8; 1 << 20]);
        let got: Vec<_> = (0..5).map(|_| rx.recv().unwrap()).collect();
        assert_eq!(got, (0..5).map(|i| (i, true)).collect::<Vec<_>>());
    }
}
