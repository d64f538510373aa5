//! Workspace-wide work — every file's pulled diagnostics, workspace symbols, references, the
//! graph, the background pass after a cross-file change — runs on a small pool of threads of
//! the kernel's idle class (Linux `SCHED_IDLE`, or the lowest `nice` where that is refused): a core runs them
//! only when nothing else wants it, and any thread that wakes — the server's own reading,
//! applying, answering and writing a keystroke, or the editor's — takes the core at once.
//! Measured with `perf sched timehist` on 10,000 flows: at `nice` 10 the thread woken to read
//! a `didChange` waited a whole time slice (3–4 ms) behind the two pool threads, at every step
//! of the keystroke. A job nobody waits for any more (its request was cancelled) or computed on
//! a snapshot that a newer edit made stale is not started. While an edit or a request at the
//! cursor is being handled ([`AtCursor`]), the pool's jobs also wait at their next file
//! ([`pause_for_typing`]), so that they hold no lock nor memory bandwidth it needs. The cost: on
//! a machine whose every core is busy with other work, workspace-wide answers wait for a free
//! moment.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

/// Edits and requests at the cursor being handled now.
static AT_CURSOR: AtomicUsize = AtomicUsize::new(0);
/// Where paused jobs wait for [`AT_CURSOR`] to drop to zero.
static RESUME: (Mutex<()>, Condvar) = (Mutex::new(()), Condvar::new());
/// The longest a job waits at one pause: a request at the cursor that takes long (or a
/// client that floods them) slows workspace-wide work down but never stops it.
const LONGEST_PAUSE: Duration = Duration::from_millis(20);

/// An edit or a request at the cursor, from its arrival until it is handled (dropped).
pub(super) struct AtCursor(());

impl AtCursor {
    pub(super) fn begin() -> AtCursor {
        AT_CURSOR.fetch_add(1, Ordering::SeqCst);
        AtCursor(())
    }
}

impl Drop for AtCursor {
    fn drop(&mut self) {
        if AT_CURSOR.fetch_sub(1, Ordering::SeqCst) == 1 {
            let _held = RESUME.0.lock().unwrap_or_else(|e| e.into_inner());
            RESUME.1.notify_all();
        }
    }
}

thread_local! {
    /// Whether this thread is one of the pool's.
    static IN_POOL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Called by work between files: on a pool thread, waits while an edit or a request at the
/// cursor is being handled (at most [`LONGEST_PAUSE`]); elsewhere (the same work done for a
/// request at the cursor) returns at once.
pub(super) fn pause_for_typing() {
    if AT_CURSOR.load(Ordering::SeqCst) == 0 || !IN_POOL.with(std::cell::Cell::get) {
        return;
    }
    let held = RESUME.0.lock().unwrap_or_else(|e| e.into_inner());
    let _ = RESUME.1.wait_timeout_while(held, LONGEST_PAUSE, |_| {
        AT_CURSOR.load(Ordering::SeqCst) > 0
    });
}

/// Threads in the pool: as many as the machine has cores, at most 4.
fn size() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4))
}

/// The pool's threads run in the idle class; where that is refused, at the lowest `nice`
/// (elsewhere than Linux, `nice` is the process's, and the pool runs at normal priority).
#[cfg(target_os = "linux")]
fn lowest_priority() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: with pid 0 these change only the calling thread's policy or nice value.
    unsafe {
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
            libc::setpriority(libc::PRIO_PROCESS as _, 0, 19);
        }
    }
}

type Job = Box<dyn FnOnce() + Send>;

fn pool() -> Option<&'static Sender<Job>> {
    static POOL: OnceLock<Option<Sender<Job>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let mut started = 0;
        for i in 0..size() {
            let rx = rx.clone();
            let ok = std::thread::Builder::new()
                .name(format!("flowls-worker-{i}"))
                .spawn(move || work(&rx))
                .is_ok();
            started += usize::from(ok);
        }
        (started > 0).then_some(tx)
    })
    .as_ref()
}

fn work(rx: &Mutex<Receiver<Job>>) {
    #[cfg(target_os = "linux")]
    lowest_priority();
    IN_POOL.with(|p| p.set(true));
    loop {
        let job = match rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        // a panic in one job answers its request with an error (the sender is dropped) and
        // leaves the thread serving the others
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

/// Why a job gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dropped {
    /// Nobody waits for it (the request was cancelled), or it panicked.
    Cancelled,
    /// A newer edit came before it started: its snapshot no longer is the workspace.
    Stale,
}

impl From<Dropped> for tower_lsp_server::jsonrpc::Error {
    fn from(d: Dropped) -> Self {
        match d {
            Dropped::Cancelled => tower_lsp_server::jsonrpc::Error::request_cancelled(),
            Dropped::Stale => tower_lsp_server::jsonrpc::Error::content_modified(),
        }
    }
}

/// Runs `job` on the pool and waits for its answer without holding a runtime thread.
/// `current` says, when the job's turn comes, whether what it computes on is still the
/// workspace; if not, it is not started. Where the pool cannot run, the job runs here.
pub(super) async fn run<T: Send + 'static>(
    current: impl FnOnce() -> bool + Send + 'static,
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Dropped> {
    let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, Dropped>>();
    let wrapped = move || {
        if tx.is_closed() {
            return; // cancelled while it waited
        }
        let answer = if current() {
            Ok(job())
        } else {
            Err(Dropped::Stale)
        };
        let _ = tx.send(answer);
    };
    match pool() {
        Some(pool) => {
            if let Err(e) = pool.send(Box::new(wrapped)) {
                (e.0)();
            }
        }
        None => wrapped(),
    }
    rx.await.unwrap_or(Err(Dropped::Cancelled))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Pool jobs run in the kernel's idle class (or at the lowest `nice` where it is refused),
    /// the thread that asked at its own priority.
    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_run_in_the_idle_class() {
        // SAFETY: these only read the calling thread's policy and nice value.
        let of_this_thread = || unsafe {
            (
                libc::sched_getscheduler(0),
                libc::getpriority(libc::PRIO_PROCESS as _, 0),
            )
        };
        let (policy, nice) = run(|| true, of_this_thread).await.unwrap();
        assert!(
            policy == libc::SCHED_IDLE || nice == 19,
            "policy {policy}, nice {nice}"
        );
        assert_eq!(of_this_thread().0, libc::SCHED_OTHER);
    }

    /// Holds every thread of the pool until the returned sender is dropped.
    pub(in crate::lsp) fn occupy_pool() -> (
        Vec<tokio::task::JoinHandle<()>>,
        std::sync::mpsc::Sender<()>,
    ) {
        let (release, gate) = channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        let (started_tx, started_rx) = channel::<()>();
        let handles = (0..size())
            .map(|_| {
                let gate = gate.clone();
                let started = started_tx.clone();
                tokio::spawn(async move {
                    let _ = run(
                        || true,
                        move || {
                            let _ = started.send(());
                            let _ = gate.lock().unwrap().recv();
                        },
                    )
                    .await;
                })
            })
            .collect();
        for _ in 0..size() {
            started_rx.recv().unwrap();
        }
        (handles, release)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_job_is_not_started_and_a_stale_one_is_answered_stale() {
        let (busy, release) = occupy_pool();
        let ran = Arc::new(AtomicUsize::new(0));

        // cancelled: its request went away (the future is dropped) before its turn came
        let counter = ran.clone();
        let cancelled = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            run(
                || true,
                move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                },
            ),
        )
        .await;
        assert!(
            cancelled.is_err(),
            "it waited for its turn and was given up"
        );

        // stale: a newer edit came before its turn
        let counter = ran.clone();
        let stale = tokio::spawn(run(
            || false,
            move || {
                counter.fetch_add(1, Ordering::SeqCst);
            },
        ));
        // and one still wanted
        let counter = ran.clone();
        let wanted = tokio::spawn(run(
            || true,
            move || counter.fetch_add(1, Ordering::SeqCst) + 100,
        ));

        drop(release);
        for h in busy {
            h.await.unwrap();
        }
        assert_eq!(stale.await.unwrap(), Err(Dropped::Stale));
        assert_eq!(wanted.await.unwrap(), Ok(100));
        assert_eq!(
            ran.load(Ordering::SeqCst),
            1,
            "only the job still wanted ran"
        );
    }

    /// While an edit or a request at the cursor is handled, a pool job waits at its next
    /// pause; it goes on once that is answered.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pool_jobs_wait_while_a_request_at_the_cursor_is_handled() {
        let typing = AtCursor::begin();
        let (started_tx, started) = channel::<()>();
        let passed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = passed.clone();
        let job = tokio::spawn(run(
            || true,
            move || {
                let _ = started_tx.send(());
                // ten files' pauses: the check below is well inside them on a busy machine
                for _ in 0..10 {
                    pause_for_typing();
                }
                seen.store(true, Ordering::SeqCst);
            },
        ));
        started.recv().unwrap();
        std::thread::sleep(LONGEST_PAUSE / 4);
        assert!(
            !passed.load(Ordering::SeqCst),
            "the job waited at its pause while the request was handled"
        );
        drop(typing);
        job.await.unwrap().unwrap();
        assert!(passed.load(Ordering::SeqCst));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_job_is_an_error_and_the_pool_goes_on() {
        let r = run(|| true, || -> usize { panic!("boom") }).await;
        assert_eq!(r, Err(Dropped::Cancelled));
        assert_eq!(run(|| true, || 7).await, Ok(7));
    }
}
