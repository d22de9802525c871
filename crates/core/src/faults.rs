//! Named crash points for the system tests (debug builds only). `WASEL_FAULT=<name>` makes the
//! process abort (as abruptly as SIGKILL: no unwinding, no commit) when it reaches that point;
//! `WASEL_FAULT_RATE` (0..1, default 1) makes it happen only sometimes.
//!
//! Points: `before_http` (claimed, provider not called), `after_response` (the provider took
//! the message, nothing recorded), `mid_commit` (the completion statements ran, the commit did not),
//! `keys.rotate.after_batch` (a batch of values re-sealed and committed, the rest not yet).

#[cfg(debug_assertions)]
pub fn hit(name: &str) {
    use std::sync::OnceLock;
    static CONFIG: OnceLock<Option<(String, f64)>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let point = std::env::var("WASEL_FAULT").ok().filter(|s| !s.is_empty())?;
        let rate = std::env::var("WASEL_FAULT_RATE").ok().and_then(|r| r.parse().ok()).unwrap_or(1.0);
        Some((point, rate))
    });
    if let Some((point, rate)) = config
        && (point == name || point == "any")
        && rand::random::<f64>() < *rate
    {
        eprintln!("wasel: fault point {name} reached: aborting");
        std::process::abort();
    }
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn hit(_name: &str) {}

/// `fault_point!("name")`: see the module docs.
#[macro_export]
macro_rules! fault_point {
    ($name:literal) => {
        $crate::faults::hit($name)
    };
}
