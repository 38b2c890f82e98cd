//! Settings of a running server, passed explicitly; the CLI fills them from flags and
//! `YOUTHLOOP_*` variables.

use std::net::SocketAddr;

use time::Duration;

pub use crate::listen::ConnectionLimits;

#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    /// How long a session lasts after sign-in.
    pub session_ttl: Duration,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Mark the session cookie `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// Send Strict-Transport-Security (behind TLS).
    pub hsts: bool,
    /// Rate limits on sign-in, sign-up and public comments; off only for load tests.
    pub rate_limits: bool,
    /// Failed sign-ins in a row that lock an account, and for how long.
    pub lock_after: u32,
    pub lock_for: Duration,
    /// The address people reach the site at (`https://youth.example.gov.cn`), when a
    /// proxy stands in front: form posts must come from it and QR codes point to it.
    /// Without it, the address each request was sent to.
    pub public_url: Option<String>,
    /// Where `/metrics` is served; `None` serves it nowhere.
    pub metrics_addr: Option<SocketAddr>,
    /// Deadlines on reading requests, and connections per client address.
    pub connections: ConnectionLimits,
    /// Proxies whose `X-Forwarded-For` names the client (for rate limits, sign-in
    /// throttling and the audit trail); nobody else's is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How often background jobs run (escalating overdue orders).
    pub jobs_every: std::time::Duration,
}

impl Settings {
    /// What every cookie the server sets ends with: `; Secure` behind TLS.
    pub fn cookie_security(&self) -> &'static str {
        if self.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            session_ttl: Duration::hours(12),
            body_limit: 64 * 1024,
            secure_cookies: false,
            hsts: false,
            rate_limits: true,
            lock_after: 5,
            lock_for: Duration::minutes(15),
            public_url: None,
            metrics_addr: Some(SocketAddr::from(([127, 0, 0, 1], 9464))),
            connections: ConnectionLimits {
                header_timeout: std::time::Duration::from_secs(10),
                body_timeout: std::time::Duration::from_secs(30),
                per_address: 256,
            },
            trusted_proxies: Vec::new(),
            jobs_every: std::time::Duration::from_secs(60),
        }
    }
}
