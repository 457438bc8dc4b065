//! libtorch's CPU kernels run on OpenMP threads, and libgomp by default keeps those threads spinning for a while
//! after every parallel op. On a machine with few cores the spinning threads take the cores our own quantizer and
//! NF4 decoder threads need: on 2 cores a Q4 load took up to 40 % longer, and its time varied by half a second from
//! run to run. `OMP_WAIT_POLICY=PASSIVE` makes idle OpenMP threads sleep instead.
//!
//! libgomp reads its environment once, when it is loaded at process start, so setting the variable from `main` is
//! too late; the worker sets it and re-executes itself (same pid, same arguments) before anything else runs.

use std::os::unix::process::CommandExt;

/// The variable libgomp reads.
pub const WAIT_POLICY: &str = "OMP_WAIT_POLICY";

/// Re-executes the current program with `OMP_WAIT_POLICY=PASSIVE` unless the variable is already set (an operator's
/// explicit choice wins). Returns only when no re-execution happened; if `exec` fails, it says so on stderr and the
/// program goes on with OpenMP's default.
pub fn ensure_passive_wait() {
    if std::env::var_os(WAIT_POLICY).is_some() {
        return;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => return eprintln!("cannot find this program to set {WAIT_POLICY}=PASSIVE: {err}"),
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(WAIT_POLICY, "PASSIVE")
        .exec();
    eprintln!("could not restart with {WAIT_POLICY}=PASSIVE ({err}); OpenMP threads will spin while idle");
}
