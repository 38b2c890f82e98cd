//! The pages' own stylesheet and icon, compiled into the binary: no CDN, no fonts to
//! fetch. The stylesheet's address carries a hash of its content, so browsers may keep
//! it for a year and still see every change.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../../assets/app.css");
const ICON: &str = include_str!("../../assets/icon.svg");

static CSS_HREF: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(CSS.as_bytes());
    format!("/assets/app.css?v={}", &hex::encode(digest)[..12])
});

pub fn css_href() -> &'static str {
    &CSS_HREF
}

const CACHE_FOR_A_YEAR: &str = "public, max-age=31536000, immutable";

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE_FOR_A_YEAR),
        ],
        CSS,
    )
        .into_response()
}

pub async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}
