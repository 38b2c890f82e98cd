//! The whole loop through pages only, in Debian's headless Chromium driven over WebDriver
//! (chromedriver): each persona in turn, in Chinese, at a phone viewport (390×844) and a
//! desktop one. Every failed step saves a screenshot under `target/browser-screenshots/`.
//! `script/setup-browser` (run by `script/test`) installs Chromium and its driver.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::*;

/// A chromedriver process on a free port, stopped when dropped.
struct Driver {
    url: String,
    _process: Child,
}

async fn chromedriver() -> Driver {
    let mut process = Command::new("chromedriver")
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver is not installed: run script/setup-browser");
    let mut lines = BufReader::new(process.stdout.take().expect("stdout")).lines();
    let port = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.expect("read chromedriver") {
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                return rest.trim_end_matches('.').trim().to_owned();
            }
        }
        panic!("chromedriver stopped before it listened");
    })
    .await
    .expect("chromedriver did not start");
    // Keep reading, so the driver never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Driver {
        url: format!("http://127.0.0.1:{port}"),
        _process: process,
    }
}

#[derive(Clone, Copy, Debug)]
enum Viewport {
    /// 390 px wide, as most phones in use.
    Phone,
    /// 360 px wide, as the smaller Android phones.
    NarrowPhone,
    Desktop,
}

/// One browser on one server; each method is a step that, when it fails, saves a
/// screenshot named after the test and the step, then stops the test.
struct Browser {
    client: Client,
    base: String,
    name: String,
}

fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots")
}

impl Browser {
    async fn open(driver: &Driver, base: &str, viewport: Viewport, name: &str) -> Self {
        let mut options = json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--lang=zh-CN", "--window-size=1280,900"],
            "prefs": {"intl.accept_languages": "zh-CN,zh"},
        });
        let phone_width = match viewport {
            Viewport::Phone => Some(390),
            Viewport::NarrowPhone => Some(360),
            Viewport::Desktop => None,
        };
        if let Some(width) = phone_width {
            options["mobileEmulation"] = json!({
                "deviceMetrics": {"width": width, "height": 800, "pixelRatio": 3.0, "touch": true},
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
            });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a chromium session");
        Browser {
            client,
            base: base.to_owned(),
            name: format!("{name}-{viewport:?}").to_lowercase(),
        }
    }

    /// Saves what the page looked like and stops the test.
    async fn fail(&self, step: &str, why: impl std::fmt::Display) -> ! {
        let dir = screenshot_dir();
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join(format!(
            "{}-{}.png",
            self.name,
            step.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        ));
        let saved = match self.client.screenshot().await {
            Ok(png) => std::fs::write(&file, png).map(|()| file.display().to_string()),
            Err(e) => Ok(format!("no screenshot: {e}")),
        };
        let url = self.client.current_url().await.map(|u| u.to_string());
        panic!(
            "{}: step `{step}` failed: {why}\n  at {url:?}\n  screenshot: {saved:?}",
            self.name
        );
    }

    async fn visit(&self, path: &str) {
        if let Err(e) = self.client.goto(&format!("{}{path}", self.base)).await {
            self.fail(&format!("visit {path}"), e).await;
        }
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => self.fail(&format!("find {css}"), e).await,
        }
    }

    async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        if let Err(e) = async {
            field.clear().await?;
            field.send_keys(text).await
        }
        .await
        {
            self.fail(&format!("fill {css}"), e).await;
        }
    }

    async fn select(&self, css: &str, value: &str) {
        if let Err(e) = self.find(css).await.select_by_value(value).await {
            self.fail(&format!("select {value} in {css}"), e).await;
        }
    }

    /// Clicks what submits a form or follows a link, and waits for the next page.
    async fn press(&self, css: &str) {
        let element = self.find(css).await;
        self.scroll_to(&element).await;
        self.mark_page(css).await;
        if let Err(e) = element.click().await {
            self.fail(&format!("press {css}"), e).await;
        }
        self.wait_for_next_page(css).await;
    }

    /// Taps what changes the page in place (a box to tick, a choice), once in view.
    async fn tap(&self, css: &str) {
        let element = self.find(css).await;
        self.scroll_to(&element).await;
        if let Err(e) = element.click().await {
            self.fail(&format!("tap {css}"), e).await;
        }
    }

    /// Scrolls `element` to the middle of the screen, as a person does before tapping
    /// it: at the bottom it would be under a phone's tab bar.
    async fn scroll_to(&self, element: &fantoccini::elements::Element) {
        let arg = serde_json::to_value(element).expect("element");
        let script = "arguments[0].scrollIntoView({block: 'center'});";
        if let Err(e) = self.client.execute(script, vec![arg]).await {
            self.fail("scroll into view", e).await;
        }
    }

    /// Marks the page shown now, so that the next one can be told from it (a form shown
    /// again with its error has the same address).
    async fn mark_page(&self, what: &str) {
        if let Err(e) = self
            .client
            .execute("window.youthloopOld = true;", vec![])
            .await
        {
            self.fail(&format!("before {what}"), e).await;
        }
    }

    async fn wait_for_next_page(&self, what: &str) {
        let loading = "return window.youthloopOld === true || document.readyState !== 'complete';";
        for _ in 0..400 {
            match self.client.execute(loading, vec![]).await {
                Ok(serde_json::Value::Bool(false)) => return,
                // A navigation under way may answer with an error: ask again.
                Ok(_) | Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        self.fail(&format!("after {what}"), "no new page within 20 s")
            .await;
    }

    async fn text(&self) -> String {
        match self.find("body").await.text().await {
            Ok(text) => text,
            Err(e) => self.fail("read the page", e).await,
        }
    }

    /// The page says `needle` (and nothing fell back to a raw text key).
    async fn expect(&self, needle: &str) {
        let text = self.text().await;
        if !text.contains(needle) {
            self.fail(
                &format!("expect {needle}"),
                format!("the page reads:\n{text}"),
            )
            .await;
        }
        if text.contains("Unknown localization") {
            self.fail("every text translated", text).await;
        }
    }

    /// Gives `stars` on each of a review form's three ratings: none is chosen for one.
    async fn rate(&self, stars: u8) {
        for rating in ["content", "organization", "effect"] {
            let star = format!("input[name={rating}][value='{stars}']");
            self.tap(&star).await;
        }
    }

    /// The page shown is at `path` (with any query).
    async fn expect_path(&self, path: &str) {
        match self.client.current_url().await {
            Ok(url) if url.path() == path => {}
            other => {
                self.fail(&format!("be at {path}"), format!("{other:?}"))
                    .await
            }
        }
    }

    /// The last path segment of the page's address: the id of what was just made.
    async fn id_in_url(&self) -> String {
        match self.client.current_url().await {
            Ok(url) => url
                .path_segments()
                .and_then(|mut s| s.next_back())
                .unwrap_or_default()
                .to_owned(),
            Err(e) => self.fail("read the address", e).await,
        }
    }

    async fn sign_in(&self, phone: &str) {
        self.visit("/signin").await;
        self.fill("#f-phone", phone).await;
        self.fill("#f-password", PASSWORD).await;
        self.press("form[action='/signin'] button[type=submit]")
            .await;
        self.expect("退出").await;
    }

    /// Signs in on a page in whichever language, ending where `signed_in` shows.
    async fn sign_in_as(&self, phone: &str, signed_in: &str) {
        self.visit("/signin").await;
        self.fill("#f-phone", phone).await;
        self.fill("#f-password", PASSWORD).await;
        self.press("form[action='/signin'] button[type=submit]")
            .await;
        self.expect(signed_in).await;
    }

    async fn sign_out(&self) {
        self.press("header form[action='/signout'] button").await;
        self.expect("登录").await;
    }
}

/// The loop, each persona in turn, through pages only.
async fn walk_the_loop_in_pages(viewport: Viewport) {
    let app = spawn_app(Engine::Sqlite).await;
    let driver = chromedriver().await;
    let b = Browser::open(&driver, &app.base, viewport, "loop").await;
    let tag = format!("{viewport:?}");
    let project_title = format!("浏览器安全课堂{tag}");

    // 买菜 buy: the League opens a round, the organization proposes, the League approves.
    b.sign_in(LEAGUE).await;
    b.visit("/league").await;
    b.fill("#f-title", &format!("浏览器测试批次{tag}")).await;
    b.fill("#f-budget_yuan", "50000").await;
    b.press("form[action='/league/rounds'] button").await;
    b.expect("采购批次已创建").await;
    let round = b.id_in_url().await;
    b.press("form[action$='/open'] button").await;
    b.expect("征集中").await;
    b.sign_out().await;

    b.sign_in(ORG_ADMIN).await;
    b.visit("/org").await;
    b.expect(&format!("浏览器测试批次{tag}")).await;
    b.visit(&format!("/rounds/{round}/propose")).await;
    // A bad price is refused at its field, in Chinese, and nothing is proposed.
    b.fill("#f-title", &project_title).await;
    b.select("#f-area", "safety").await;
    b.fill("#f-min_age", "6").await;
    b.fill("#f-max_age", "14").await;
    b.fill("#f-capacity", "30").await;
    b.fill("#f-sessions_offered", "4").await;
    b.fill("#f-unit_price_yuan", "八百").await;
    b.press("form[action$='/propose'] button[type=submit]")
        .await;
    b.expect("请填写金额").await;
    b.find("#f-unit_price_yuan[aria-invalid=true]").await;
    b.fill("#f-unit_price_yuan", "800").await;
    b.tap("input[name=badges][value=laodong]").await;
    b.press("form[action$='/propose'] button[type=submit]")
        .await;
    b.expect("项目已提交").await;
    b.sign_out().await;

    b.sign_in(LEAGUE).await;
    b.visit(&format!("/league/rounds/{round}")).await;
    b.press("form[action$='/review'] button").await;
    b.expect("评审中").await;
    b.press("form[action$='/approve'] button").await;
    b.expect("项目已通过").await;
    b.press("form[action$='/award'] button").await;
    b.expect("已授标").await;
    b.sign_out().await;

    // 点单 order: the community officer orders it from the menu.
    b.sign_in(OFFICER).await;
    b.visit("/menu").await;
    b.expect(&project_title).await;
    let order_link = format!(
        "//article[.//h3[contains(., '{project_title}')]]//a[contains(@href, '/orders/new')]"
    );
    let link = match b.client.find(Locator::XPath(&order_link)).await {
        Ok(link) => link,
        Err(e) => b.fail("find the order link", e).await,
    };
    b.scroll_to(&link).await;
    b.mark_page("the order link").await;
    link.click().await.expect("click");
    b.wait_for_next_page("the order link").await;
    b.fill("#f-venue", "青禾社区活动室").await;
    b.press("form[action='/orders'] button[type=submit]").await;
    b.expect("点单成功").await;
    b.expect("待审核").await;
    let order = b.id_in_url().await;
    b.sign_out().await;

    // 派单 dispatch, 接单 accept, 做饭 cook: the League dispatches, the organization
    // accepts and schedules an activity from the order, and publishes it.
    b.sign_in(LEAGUE).await;
    b.visit("/league/dispatch").await;
    b.expect("派单台").await;
    b.visit(&format!("/orders/{order}")).await;
    b.press("form[action$='/dispatch'] button").await;
    b.expect("已派单").await;
    b.sign_out().await;

    b.sign_in(ORG_ADMIN).await;
    b.visit(&format!("/orders/{order}")).await;
    b.press("form[action$='/accept'] button").await;
    b.expect("已接单").await;
    b.press("a[href^='/org/activities/new?order=']").await;
    b.press("form[action='/org/activities'] button[type=submit]")
        .await;
    b.expect("活动草稿已保存").await;
    let activity = b.id_in_url().await;
    b.press("form[action$='/publish'] button").await;
    b.expect("报名中").await;
    b.sign_out().await;

    // 品尝 taste: a guardian registers a child, and checks in with the venue's code.
    b.sign_in(GUARDIAN).await;
    b.visit("/me").await;
    b.fill("#f-name", "测试孩子").await;
    b.fill("#f-id_number", "110105201001011234").await;
    b.tap("#f-consent").await;
    b.press("form[action='/children'] button[type=submit]")
        .await;
    b.find("#f-id_number[aria-invalid=true]").await;
    b.expect("身份证").await;
    b.visit(&format!("/activities/{activity}")).await;
    b.press(&format!(
        "form[action='/activities/{activity}/register'] button"
    ))
    .await;
    b.expect("报名成功").await;
    b.expect("已确认").await;
    // The second child too, then cancelled from the family's page.
    let form = format!("form[action='/activities/{activity}/register']");
    b.find(&format!("{form} select option:nth-child(2)"))
        .await
        .click()
        .await
        .ok();
    b.press(&format!("{form} button")).await;
    b.expect("报名成功").await;
    b.visit("/me").await;
    b.expect(&project_title).await;
    // Cancelling asks first, and going back changes nothing.
    b.press("form[action^='/registrations/'][action$='/cancel'] button")
        .await;
    b.expect("确定取消").await;
    b.expect("的报名吗").await;
    b.press("a.button.secondary").await;
    b.expect(&project_title).await;
    b.press("form[action^='/registrations/'][action$='/cancel'] button")
        .await;
    b.press("form input[name=confirm] ~ button").await;
    b.expect("已取消报名").await;
    b.expect_path("/me").await;
    b.sign_out().await;

    // The day comes: check-in opens with the start.
    app.advance_to_activity(&activity, "starts_at").await;
    b.sign_in(ORG_ADMIN).await;
    b.visit(&format!("/org/activities/{activity}/screen")).await;
    b.find(".qr svg").await;
    let code = match b.find(".code").await.attr("data-code").await {
        Ok(Some(code)) => code,
        other => b.fail("read the check-in code", format!("{other:?}")).await,
    };
    b.sign_out().await;

    b.sign_in(GUARDIAN).await;
    b.visit(&format!("/activities/{activity}/checkin?code={code}"))
        .await;
    b.press("form[action$='/checkin'] button[type=submit]")
        .await;
    b.expect("签到成功").await;
    b.expect("奖章墙").await;
    b.sign_out().await;

    // It is over: the organization finishes it.
    app.advance_to_activity(&activity, "ends_at").await;
    b.sign_in(ORG_ADMIN).await;
    b.visit(&format!("/org/activities/{activity}")).await;
    b.expect("已签到").await;
    b.press("form[action$='/finish'] button").await;
    b.expect("确定结束这个活动吗").await;
    b.press("form input[name=confirm] ~ button").await;
    b.expect("已结束").await;
    b.sign_out().await;

    // 点评 review: the guardian and the community review; the League settles.
    b.sign_in(GUARDIAN).await;
    b.visit("/me").await;
    b.expect("待评价").await;
    b.press(&format!("a[href='/activities/{activity}#review']"))
        .await;
    b.fill("#f-text", "孩子很喜欢，老师很耐心").await;
    b.rate(5).await;
    b.press("form[action$='/review'] button[type=submit]").await;
    b.expect("感谢您的评价").await;
    b.sign_out().await;

    b.sign_in(OFFICER).await;
    b.visit(&format!("/orders/{order}")).await;
    b.expect("已交付").await;
    b.press("form[action$='/confirm'] button").await;
    b.expect("已验收").await;
    b.rate(4).await;
    b.press("form[action$='/review'] button[type=submit]").await;
    b.expect("感谢您的评价").await;
    b.sign_out().await;

    b.sign_in(LEAGUE).await;
    b.visit(&format!("/orders/{order}")).await;
    b.press("form[action$='/settle'] button").await;
    b.expect("已结算").await;
    b.visit("/league/dashboard").await;
    b.expect("每月活动数").await;
    b.find(".chart svg rect").await;
    b.sign_out().await;

    b.client.clone().close().await.ok();
}

/// Casework from intake to closure with a grant, the supervisor's view, a family's
/// consent and data, and the language switch: on a phone.
async fn casework_and_family_pages() {
    let app = spawn_app(Engine::Sqlite).await;
    let supervisor = app.sign_in(ORG_ADMIN).await;
    let supervisor_id = app.get(Some(&supervisor), "/api/v1/me").await.1["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let driver = chromedriver().await;
    let b = Browser::open(&driver, &app.base, Viewport::Phone, "casework").await;

    b.sign_in(SOCIAL_WORKER).await;
    b.visit("/cases").await;
    b.expect("个案信息严格保密").await;
    b.fill("#f-subject_name", "王小明").await;
    set_value(&b, "#f-subject_birth_date", "2013-04-01").await;
    b.select("#f-category", "bullying").await;
    b.select("#f-supervisor_id", &supervisor_id).await;
    b.fill("#f-guardian_name", "王母").await;
    b.fill("#f-relation", "母亲").await;
    b.fill("#f-scope", "个案服务及必要的信息记录").await;
    // Without the guardian's consent there is no case.
    b.press("form[action='/cases'] button[type=submit]").await;
    b.expect("接案须有监护人同意").await;
    b.tap("#f-given").await;
    b.press("form[action='/cases'] button[type=submit]").await;
    b.expect("个案已建立").await;
    let case = b.id_in_url().await;
    for (step, note) in [
        ("assess", "与孩子和母亲面谈，了解在校情况"),
        ("plan", "每周一次个别辅导，联系班主任"),
        ("session", "第一次辅导：建立信任"),
        ("review", "情绪明显好转"),
        ("close", "目标达成，结案"),
    ] {
        if step == "assess" {
            b.select("#f-risk_level", "high").await;
        }
        b.fill(&format!("#f-text-{step}"), note).await;
        b.press(&format!("form[action$='/record/{step}'] button"))
            .await;
        b.expect("已记录").await;
        b.expect(note).await;
    }
    let in_two_days = youthloop_domain::parse::local_date(time::OffsetDateTime::now_utc())
        + time::Duration::days(2);
    set_value(&b, "#f-expires_at", &format!("{in_two_days}T18:00")).await;
    b.press(&format!("form[action='/cases/{case}/grant'] button"))
        .await;
    b.expect("已授权").await;
    b.sign_out().await;

    b.sign_in(ORG_ADMIN).await;
    b.visit("/cases").await;
    b.expect("督导").await;
    b.visit(&format!("/cases/{case}")).await;
    b.expect("目标达成，结案").await;
    b.sign_out().await;

    // A guardian: consent withdrawn and given again, English and back, then erasure.
    b.sign_in(GUARDIAN).await;
    b.visit("/me").await;
    b.press("form[action$='/consent/withdraw'] button").await;
    b.expect("已撤回同意").await;
    b.press("form[action$='/consent'] button").await;
    b.expect("已记录同意").await;
    b.press("header a[hreflang='en']").await;
    b.expect("My children").await;
    b.visit("/").await;
    b.expect("Upcoming activities").await;
    b.press("header a[hreflang='zh-CN']").await;
    b.expect("即将开始的活动").await;
    b.visit("/me").await;
    b.press("form[action='/me/erase'] button").await;
    b.find("#f-confirm[aria-invalid=true]").await;
    b.expect("请勾选确认").await;
    b.tap("#f-confirm").await;
    b.press("form[action='/me/erase'] button").await;
    b.expect("您的个人数据已删除").await;
    b.expect("登录").await;
    b.client.clone().close().await.ok();
}

/// What a date or time picker does: puts the value in the field.
async fn set_value(b: &Browser, css: &str, value: &str) {
    let field = b.find(css).await;
    let element = serde_json::to_value(&field).expect("element");
    let script = "arguments[0].value = arguments[1];";
    if let Err(e) = b.client.execute(script, vec![element, json!(value)]).await {
        b.fail(&format!("set {css}"), e).await;
    }
}

/// What does not fit a phone on the page shown: the page wider than the screen, or a
/// table cell with room for fewer than three characters.
const FIT_CHECK: &str = r#"
const problems = [];
const width = document.documentElement.clientWidth;
if (document.documentElement.scrollWidth > width + 1) {
  problems.push(`the page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen`);
}
for (const cell of document.querySelectorAll('td, th')) {
  const head = cell.closest('thead');
  if (!cell.offsetParent || (head && head.getBoundingClientRect().height <= 1)) continue;
  const style = getComputedStyle(cell);
  const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const text = cell.textContent.trim();
  if (text && room < 3 * parseFloat(style.fontSize)) {
    problems.push(`a cell ${Math.round(room)}px wide: ${text.slice(0, 24)}`);
  }
}
return problems;
"#;

/// The links a page offers to this site's pages (not the language switch, the API or
/// signing out), by address.
const LINKS: &str = r#"
return [...document.querySelectorAll('a[href^="/"]')]
  .map(a => a.getAttribute('href'))
  .filter(h => !h.startsWith('/lang/') && !h.startsWith('/api/') && !h.startsWith('/assets/'));
"#;

/// A page's address with its ids and values left out: `/activities/{id}?order=`.
fn shape(href: &str) -> String {
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let path: Vec<&str> = path
        .split('/')
        .map(|s| {
            if s.len() >= 32 && s.contains('-') {
                "{id}"
            } else {
                s
            }
        })
        .collect();
    let mut keys: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty() && *k != "ok")
        .collect();
    keys.sort();
    format!("{}?{}", path.join("/"), keys.join("&"))
}

/// Every page each role reaches from its home page in two steps, at `viewport`: none
/// may be wider than the screen or squeeze a table cell below three characters.
async fn every_page_fits(viewport: Viewport) {
    let app = spawn_app(Engine::Sqlite).await;
    let driver = chromedriver().await;
    let b = Browser::open(&driver, &app.base, viewport, "fit").await;
    let mut problems = Vec::new();
    let mut seen_pages = 0;
    let roles = [
        None,
        Some(LEAGUE),
        Some(ORG_ADMIN),
        Some(OFFICER),
        Some(GUARDIAN),
        Some(YOUTH),
        Some(VOLUNTEER),
        Some(SOCIAL_WORKER),
        Some(EVALUATOR),
        Some(SQUAD_LEADER),
    ];
    for role in roles {
        if let Some(phone) = role {
            b.sign_in(phone).await;
        }
        let mut seen = std::collections::HashSet::new();
        let mut next = vec!["/".to_owned()];
        for _depth in 0..3 {
            let mut found = Vec::new();
            for href in next {
                if !seen.insert(shape(&href)) || seen.len() > 40 {
                    continue;
                }
                b.visit(&href).await;
                seen_pages += 1;
                let checked = b.client.execute(FIT_CHECK, vec![]).await;
                for problem in checked
                    .ok()
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default()
                {
                    problems.push(format!(
                        "{role:?} {href}: {}",
                        problem.as_str().unwrap_or("?")
                    ));
                }
                let links = b.client.execute(LINKS, vec![]).await;
                for link in links
                    .ok()
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default()
                {
                    found.extend(link.as_str().map(str::to_owned));
                }
            }
            next = found;
        }
        if role.is_some() {
            b.visit("/").await;
            b.sign_out().await;
        }
    }
    assert!(seen_pages > 50, "only {seen_pages} pages walked");
    if !problems.is_empty() {
        b.fail("every page fits", problems.join("\n")).await;
    }
    b.client.clone().close().await.ok();
}

#[tokio::test]
async fn every_page_of_every_role_fits_a_390_px_phone() {
    every_page_fits(Viewport::Phone).await;
}

#[tokio::test]
async fn every_page_of_every_role_fits_a_360_px_phone() {
    every_page_fits(Viewport::NarrowPhone).await;
}

/// What a parent and an evaluator meet on a phone: a full activity says 候补 before and
/// after joining the line, a refused form names its field, a refusal keeps the header.
#[tokio::test]
async fn waitlist_refusals_and_forbidden_pages_read_right_on_a_phone() {
    let app = spawn_app(Engine::Sqlite).await;
    let flood = flood_setup(&app, 1, 2, 2).await;
    let driver = chromedriver().await;
    let b = Browser::open(&driver, &app.base, Viewport::Phone, "waitlist").await;
    let page = format!("/activities/{}", flood.activity_id);
    let register = format!("form[action='{page}/register'] button");

    b.sign_in(GUARDIAN).await;
    b.visit(&page).await;
    b.expect("报名中，剩余 1 个名额").await;
    b.press(&register).await;
    b.expect("报名成功").await;
    b.expect("名额已满，可排队候补").await;
    b.find(&format!(
        "form[action='{page}/register'] select option:nth-child(2)"
    ))
    .await
    .click()
    .await
    .ok();
    b.press(&register).await;
    b.expect("已进入候补名单").await;
    b.expect("候补第 1 位").await;
    b.find(".notice.wait").await;

    // A form refused names its field in the summary, which links to it.
    b.visit("/me").await;
    b.fill("#f-id_number", "110105201001015678").await;
    b.tap("#f-consent").await;
    b.press("form[action='/children'] button[type=submit]")
        .await;
    b.expect("请修正以下问题").await;
    b.find(".problem a[href='#f-name']").await;
    b.expect("姓名：").await;
    b.sign_out().await;

    // A page not for the role: refused, still signed in.
    b.sign_in(EVALUATOR).await;
    b.visit("/cases").await;
    b.expect("无权访问").await;
    b.expect("退出").await;
    b.client.clone().close().await.ok();
}

/// The new pieces in English on a phone: a family's activity (what it can do, whom to
/// ask, the map), its calendar file and tab bar; the menu's search; the League's case
/// counts and audit trail.
#[tokio::test]
async fn the_new_pieces_read_in_english_on_a_phone() {
    let app = spawn_app(Engine::Sqlite).await;
    let flood = flood_setup(&app, 1, 2, 1).await;
    let driver = chromedriver().await;
    let b = Browser::open(&driver, &app.base, Viewport::Phone, "english").await;
    b.visit("/").await;
    b.press("header a[hreflang='en']").await;
    b.expect("Upcoming activities").await;

    b.sign_in_as(GUARDIAN, "Sign out").await;
    b.visit(&format!("/activities/{}", flood.activity_id)).await;
    for text in [
        "Open, places left: 1",
        "Questions",
        "Open in maps",
        "Run by",
    ] {
        b.expect(text).await;
    }
    b.press(&format!(
        "form[action='/activities/{}/register'] button",
        flood.activity_id
    ))
    .await;
    b.expect("Full: you can join the waitlist (waiting: 0)")
        .await;
    b.visit("/me").await;
    b.expect("Add to calendar").await;
    b.find("nav.tabs a[aria-current=page][href='/me']").await;
    b.expect("Mine").await;
    b.visit("/menu?q=%E6%B3%95%E5%BA%AD").await;
    b.expect("Search").await;
    b.press("header form[action='/signout'] button").await;

    b.sign_in_as(LEAGUE, "Sign out").await;
    b.visit("/league/cases").await;
    b.expect("3 cases in the district").await;
    b.visit("/league/audit").await;
    b.expect("No. 1").await;
    b.expect("District created").await;
    b.client.clone().close().await.ok();
}

#[tokio::test]
async fn casework_and_a_family_in_pages_on_a_phone() {
    casework_and_family_pages().await;
}

#[tokio::test]
async fn the_whole_loop_in_pages_on_a_phone() {
    walk_the_loop_in_pages(Viewport::Phone).await;
}

#[tokio::test]
async fn the_whole_loop_in_pages_on_a_desktop() {
    walk_the_loop_in_pages(Viewport::Desktop).await;
}

/// A volunteer, their squad leader and the League through pages on a phone: signing up
/// for an open shift, the certificate to print with its QR code and the public check it
/// leads to, asking for a new one; the leader's squad, the check-in screen with its
/// rotating code, checking a member in, the member checking out with the code, hours
/// corrected; the League's teams, a roster proposed with its coverage and published.
#[tokio::test]
async fn a_volunteer_a_squad_leader_and_a_roster_in_pages_on_a_phone() {
    let app = spawn_app(Engine::Sqlite).await;
    let driver = chromedriver().await;
    let b = Browser::open(&driver, &app.base, Viewport::Phone, "volunteers").await;

    b.sign_in(VOLUNTEER).await;
    b.press("nav.tabs a[href='/volunteer']").await;
    for text in [
        "志愿者编号",
        "我的班次",
        "可报名的班次",
        "2小时30分钟",
        "社区助老服务",
    ] {
        b.expect(text).await;
    }
    b.press("form[action$='/signup'] button").await;
    b.expect("报名成功").await;
    b.expect("已确认").await;

    // The certificate of the demo's month, printable, and where its QR code leads.
    b.press("a[href^='/volunteer/certificates/']").await;
    b.expect("兹证明").await;
    b.expect("累计志愿服务时长2小时30分钟").await;
    b.find(".certificate .qr svg").await;
    let serial = b.id_in_url().await;
    b.visit(&format!("/certificates/{serial}")).await;
    b.expect("此证明真实有效").await;
    // A period without hours is refused at its field; one with them is certified.
    b.visit("/volunteer").await;
    // The demo's hours are all before today.
    set_value(&b, "#f-from", &in_days(0)).await;
    set_value(&b, "#f-to", &in_days(0)).await;
    b.press("form[action='/volunteer/certificates'] button")
        .await;
    b.expect("没有志愿服务时长").await;
    b.find("#f-to[aria-invalid=true]").await;
    set_value(&b, "#f-from", &in_days(-30)).await;
    b.press("form[action='/volunteer/certificates'] button")
        .await;
    b.expect("证明已开具").await;
    b.sign_out().await;

    // The shift signed up for begins: the leader opens its check-in.
    let token = app.sign_in(VOLUNTEER).await;
    let (_, mine) = app.get(Some(&token), "/api/v1/me/assignments").await;
    let taken = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["status"] == "assigned")
        .cloned()
        .expect("the shift signed up for");
    let shift = taken["shift_id"].as_str().unwrap().to_owned();
    let starts = time::OffsetDateTime::parse(
        taken["starts_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let at = starts - time::Duration::minutes(10);
    app.advance_clock_to(
        &at.format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
    )
    .await;
    b.sign_in(SQUAD_LEADER).await;
    b.press("nav.tabs a[href='/squad']").await;
    b.expect("青禾社区志愿服务小分队").await;
    b.expect("正在进行的班次").await;
    b.press(&format!("a[href='/squad/shifts/{shift}']")).await;
    b.find(".qr svg").await;
    b.press("form[action$='/checkin'] button").await;
    b.expect("已签到").await;

    // Two hours on, the member checks out with the code on the leader's screen.
    app.advance_clock(120 * 60).await;
    b.visit(&format!("/squad/shifts/{shift}")).await;
    let code = match b.find(".code").await.attr("data-code").await {
        Ok(Some(code)) => code,
        other => b.fail("read the code", format!("{other:?}")).await,
    };
    b.sign_out().await;
    b.sign_in(VOLUNTEER).await;
    b.visit(&format!("/shifts/{shift}/checkin?code={code}"))
        .await;
    b.expect("已签到").await;
    b.press(&format!("form[action='/shifts/{shift}/checkout'] button"))
        .await;
    b.expect("已签退，服务时长已记录").await;
    b.sign_out().await;

    // The leader corrects a record: it stays, and the correction names its reason.
    b.sign_in(SQUAD_LEADER).await;
    b.visit("/squad").await;
    b.expect("近30天的服务时长").await;
    b.tap("details summary").await;
    b.fill("input[name=minutes]", "100").await;
    b.fill("input[name=reason]", "核对签到表后更正").await;
    b.press("form[action$='/correct'] button").await;
    b.expect("已更正，原记录保留").await;
    b.sign_out().await;

    // The League: teams and squads, a roster for the coming week (by the server's
    // clock, moved on above), published.
    b.sign_in(LEAGUE).await;
    b.visit("/league").await;
    b.press("main a[href='/league/volunteers']").await;
    for text in [
        "4000",
        "243",
        "示例区第一青年突击队",
        "生成排班方案",
        "下载 Excel",
    ] {
        b.expect(text).await;
    }
    let today = youthloop_domain::parse::local_date(at + time::Duration::minutes(120));
    set_value(&b, "#f-from", &today.to_string()).await;
    set_value(&b, "#f-to", &(today + time::Duration::days(6)).to_string()).await;
    b.press("form[action='/league/rosters'] button").await;
    b.expect("排班方案已生成").await;
    b.expect("本方案每天的人员覆盖").await;
    b.find("figure.chart svg").await;
    b.press("form[action$='/publish'] button").await;
    b.expect("已发布，志愿者会收到邀请").await;
    b.client.clone().close().await.ok();
}

/// Moderation and the scorecard through pages on a phone, in Chinese and then English:
/// the League hides the gambling advert (first without a reason, refused at its field),
/// the organization publishes a held comment and answers another in public, and the
/// organization's page shows the reply and the scorecard per period with its rule.
#[tokio::test]
async fn moderation_and_the_scorecard_in_pages_on_a_phone() {
    let app = spawn_app(Engine::Sqlite).await;
    let league = app.sign_in(LEAGUE).await;
    let org_admin = app.sign_in(ORG_ADMIN).await;
    let own = app.scope_of(&org_admin).await;
    let id_of = |page: &serde_json::Value, text: &str| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["text"].as_str().unwrap().contains(text))
            .unwrap_or_else(|| panic!("{text} in {page}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (_, held) = app.get(Some(&league), "/api/v1/moderation/comments").await;
    let advert = id_of(&held, "百家乐");
    let contact = id_of(&held, "kid2026abc");
    let (_, shown) = app
        .get(
            Some(&org_admin),
            "/api/v1/moderation/comments?status=visible&limit=500",
        )
        .await;
    let praise = id_of(&shown, "手工课");

    let driver = chromedriver().await;
    let b = Browser::open(&driver, &app.base, Viewport::Phone, "moderation").await;
    b.sign_in(LEAGUE).await;
    b.visit("/league").await;
    b.press("a[href='/moderation']").await;
    b.expect("留言审核").await;
    b.expect("拦截原因：疑似广告").await;
    b.expect("拦截原因：含联系方式").await;
    b.tap(&format!("#r-{advert} details summary")).await;
    let hide = format!("form[action='/moderation/{advert}/hide'] button");
    b.press(&hide).await;
    b.expect("请修正以下问题").await;
    b.expect("理由：不能为空").await;
    b.fill(&format!("#f-reason-{advert}"), "博彩广告").await;
    b.press(&hide).await;
    b.expect("已隐藏，原因已记录").await;
    b.visit("/moderation?status=hidden").await;
    b.expect("隐藏原因：博彩广告").await;
    b.sign_out().await;

    b.sign_in(ORG_ADMIN).await;
    b.visit("/org").await;
    b.press("a[href='/moderation']").await;
    b.press(&format!(
        "form[action='/moderation/{contact}/publish'] button"
    ))
    .await;
    b.expect("已公开，所有人可见").await;
    b.visit("/moderation?status=visible").await;
    b.tap(&format!("#r-{praise} details:last-of-type summary"))
        .await;
    b.fill(
        &format!("#f-text-{praise}"),
        "谢谢您，下周六我们还在青禾社区开课",
    )
    .await;
    b.press(&format!("form[action='/moderation/{praise}/reply'] button"))
        .await;
    b.expect("已回复，回复显示在留言下方").await;
    b.sign_out().await;

    b.visit(&format!("/organizations/{own}")).await;
    b.expect("机构回复：谢谢您，下周六我们还在青禾社区开课")
        .await;
    b.expect("kid2026abc").await;
    b.expect("年度评估").await;
    for text in [
        "综合得分",
        "满意度",
        "爽约率",
        "社区验收率",
        "人均成本",
        "实名评价",
    ] {
        b.expect(text).await;
    }
    b.press("a[href*='period='][href*='-Q']").await;
    b.expect("季度评估").await;
    b.tap("details summary").await;
    b.expect("贝叶斯平均").await;

    b.press("header a[hreflang='en']").await;
    for text in [
        "Scorecard",
        "Cost per attendee",
        "Confirmed by communities",
        "How the score is made",
    ] {
        b.expect(text).await;
    }
    b.sign_in_as(LEAGUE, "Sign out").await;
    b.visit("/moderation?status=hidden").await;
    b.expect("Moderation").await;
    b.expect("Hidden: 博彩广告").await;
    b.client.clone().close().await.ok();
}

/// The evaluator scores an organization through the page on a phone: the labels carry
/// the district's weights, the grade shows in the list after, and a second evaluation
/// of the same organization and round is refused in words; then the same page in English.
#[tokio::test]
async fn an_evaluator_scores_in_pages_on_a_phone() {
    let app = spawn_app(Engine::Sqlite).await;
    let driver = chromedriver().await;
    let b = Browser::open(&driver, &app.base, Viewport::Phone, "evaluation").await;
    b.sign_in(EVALUATOR).await;
    b.press("nav.tabs a[href='/evaluate']").await;
    b.expect("专业服务（权重30%）").await;
    b.expect("尚未评估").await;
    score_the_demo_organization(&b).await;
    b.expect("评估已提交").await;
    b.expect("等级 B").await;
    score_the_demo_organization(&b).await;
    b.expect("您已评估过该机构本批次").await;

    b.press("header a[hreflang='en']").await;
    for text in [
        "Professional service (weight 30%)",
        "Grade B",
        "Not evaluated yet",
    ] {
        b.expect(text).await;
    }
    b.client.clone().close().await.ok();
}

async fn score_the_demo_organization(b: &Browser) {
    for (field, value) in [
        ("management", "80"),
        ("professional_service", "90"),
        ("outcomes", "85"),
        ("finance", "70"),
        ("satisfaction", "95"),
    ] {
        b.fill(&format!("#f-{field}"), value).await;
    }
    b.fill("#f-notes", "台账齐全，个案记录规范").await;
    b.press("form[action='/evaluate'] button[type=submit]")
        .await;
}

/// The League buys on the record and leaves no order behind, on a phone: the round's
/// proposals ranked with the evidence behind each score, the reminder of an escalated
/// order, a declined order redispatched in one step, and the waiting orders split by a
/// dispatch plan applied in one step; then in English.
#[tokio::test]
async fn the_league_ranks_redispatches_and_plans_in_pages_on_a_phone() {
    let app = spawn_app(Engine::Sqlite).await;
    let league = app.sign_in(LEAGUE).await;
    let (_, orders) = app.get(Some(&league), "/api/v1/orders?limit=500").await;
    let declined = orders["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["status"] == "declined")
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .expect("the demo has a declined order");
    let driver = chromedriver().await;
    let b = Browser::open(&driver, &app.base, Viewport::Phone, "ranking").await;
    b.sign_in(LEAGUE).await;
    b.visit("/league").await;
    // The demo's overdue orders were escalated when the server started.
    b.expect("待办提醒").await;
    b.expect("超过处理时限，已上报团区委").await;
    b.press("main h3 a[href^='/league/rounds/']").await;
    b.expect("排序得分怎么算").await;
    b.tap("article details summary").await;
    for text in ["服务记录", "第三方评估", "契合度", "个社区把该领域列为需求"]
    {
        b.expect(text).await;
    }

    b.visit(&format!("/orders/{declined}")).await;
    b.expect("改派给其他机构").await;
    b.press("form[action$='/redispatch'] button[type=submit]")
        .await;
    b.expect("已改派，新机构会在待接单中看到这张订单").await;
    b.expect("已派单").await;
    b.expect("改派 / redispatched").await;

    // The orders still waiting, split by a plan and dispatched in one step.
    b.visit("/league/dispatch").await;
    b.press("form[action='/league/dispatch-plans'] button")
        .await;
    b.expect("派单方案已生成，请核对后执行").await;
    b.expect("已证明最优").await;
    b.expect("各社区分得").await;
    let plan = b.id_in_url().await;
    b.press("form[action$='/apply'] button").await;
    b.expect("方案已执行，订单已按分得场次派出").await;
    b.expect_path("/league/dispatch").await;

    b.press("header a[hreflang='en']").await;
    b.visit(&format!("/league/dispatch-plans/{plan}")).await;
    for text in [
        "Dispatch plan",
        "Proven optimal",
        "What each community gets",
        "applied",
    ] {
        b.expect(text).await;
    }
    b.visit("/league").await;
    b.expect("Reminders").await;
    b.press("main h3 a[href^='/league/rounds/']").await;
    b.tap("article details summary").await;
    for text in [
        "How the ranking score is made",
        "Why this score",
        "Record",
        "Fit",
    ] {
        b.expect(text).await;
    }
    b.client.clone().close().await.ok();
}
