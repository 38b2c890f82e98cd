//! `youthloop bench …`: benchmarks that print their figures beside references measured
//! in the same run, and the machine they ran on.

pub mod dispatch;
pub mod roster;
pub mod surge;

/// Cores and memory of this machine.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    format!("{cores} cores, {memory_gib:.0} GiB")
}
