//! A community officer: the community's youth profile, ordering from the menu, and the
//! community's orders with their deadlines.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use time::Duration;
use youthloop_domain::id::*;
use youthloop_domain::region::YouthProfile;
use youthloop_domain::role::Role;
use youthloop_store::model::{MenuItem, Order, Page, Region};

use super::guardian::number;
use super::{done, show, Ctx, PageError, PageForm, PageResult};
use crate::error::{AppError, AppResult};
use crate::extract::CurrentUser;
use crate::services;
use crate::services::orders::OrderBody;
use crate::services::regions::ProfileBody;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/community", get(community))
        .route("/community/profile", post(save_profile))
        .route("/orders/new", get(new_order))
        .route("/orders", post(place_order))
}

const OFFICER: &[Role] = &[Role::CommunityOfficer];

async fn my_community(state: &AppState, user: &CurrentUser) -> Result<Region, PageError> {
    let id = user
        .actor
        .region_ids()
        .into_iter()
        .next()
        .ok_or_else(|| PageError(AppError::forbidden()))?;
    Ok(state.store.region(user.district(), &id).await?)
}

/// Orders in the user's scope, newest first (the store pages them oldest first).
pub(super) async fn orders_of(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Order>> {
    let page = Page {
        limit: Page::MAX,
        after: None,
    };
    let mut orders = state
        .store
        .orders(&user.actor, &page, false, state.now())
        .await?
        .items;
    orders.reverse();
    Ok(orders)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProfileForm {
    age_6_8: String,
    age_9_11: String,
    age_12_14: String,
    age_15_18: String,
    migrant_children: String,
    left_behind: String,
    in_difficulty: String,
    need_tags: String,
}

impl ProfileForm {
    fn of(p: &YouthProfile) -> Self {
        ProfileForm {
            age_6_8: p.age_6_8.to_string(),
            age_9_11: p.age_9_11.to_string(),
            age_12_14: p.age_12_14.to_string(),
            age_15_18: p.age_15_18.to_string(),
            migrant_children: p.migrant_children.to_string(),
            left_behind: p.left_behind.to_string(),
            in_difficulty: p.in_difficulty.to_string(),
            need_tags: p.need_tags.join("，"),
        }
    }

    fn body(&self) -> AppResult<ProfileBody> {
        let count = |field: &str, raw: &str| {
            if raw.trim().is_empty() {
                Ok(0)
            } else {
                number(field, raw)
            }
        };
        Ok(ProfileBody {
            age_6_8: count("age_6_8", &self.age_6_8)?,
            age_9_11: count("age_9_11", &self.age_9_11)?,
            age_12_14: count("age_12_14", &self.age_12_14)?,
            age_15_18: count("age_15_18", &self.age_15_18)?,
            migrant_children: count("migrant_children", &self.migrant_children)?,
            left_behind: count("left_behind", &self.left_behind)?,
            in_difficulty: count("in_difficulty", &self.in_difficulty)?,
            need_tags: self
                .need_tags
                .split([',', '，', '、'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }

    /// `(field, label key, value)` for each number of the form.
    fn counts(&self) -> [(&'static str, &'static str, &str); 7] {
        [
            ("age_6_8", "age-6-8", &self.age_6_8),
            ("age_9_11", "age-9-11", &self.age_9_11),
            ("age_12_14", "age-12-14", &self.age_12_14),
            ("age_15_18", "age-15-18", &self.age_15_18),
            (
                "migrant_children",
                "migrant-children",
                &self.migrant_children,
            ),
            ("left_behind", "left-behind", &self.left_behind),
            ("in_difficulty", "in-difficulty", &self.in_difficulty),
        ]
    }
}

#[derive(Template)]
#[template(path = "community.html")]
struct CommunityPage {
    c: Ctx,
    community: Region,
    f: ProfileForm,
    orders: Vec<Order>,
    /// Project titles by id, to name each order.
    titles: HashMap<ProjectId, String>,
}

async fn community_page(state: &AppState, c: Ctx, f: Option<ProfileForm>) -> PageResult {
    let user = c.require(OFFICER)?;
    let community = my_community(state, user).await?;
    let f = f.unwrap_or_else(|| ProfileForm::of(&community.profile.clone().unwrap_or_default()));
    let orders = orders_of(state, user).await?;
    let titles = state.store.project_titles(user.district()).await?;
    let page = CommunityPage {
        c,
        community,
        f,
        orders,
        titles,
    };
    show(&page, &page.c)
}

async fn community(State(state): State<AppState>, c: Ctx) -> PageResult {
    community_page(&state, c, None).await
}

async fn save_profile(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(f): PageForm<ProfileForm>,
) -> PageResult {
    let user = c.require(OFFICER)?.clone();
    let community = my_community(&state, &user).await?;
    let saved = async {
        let body = f.body()?;
        services::regions::set_profile(&state, &user, &community.id, body)
            .await
            .map(|_| ())
    }
    .await;
    match saved {
        Ok(()) => done("/community", "profile_saved"),
        Err(e) => community_page(&state, c.refused(e), Some(f)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrderForm {
    project: String,
    sessions: String,
    window_start: String,
    window_end: String,
    venue: String,
    expected_participants: String,
    notes: String,
}

impl OrderForm {
    fn body(&self, community_id: RegionId) -> AppResult<OrderBody> {
        Ok(OrderBody {
            project_id: self.project.as_str().into(),
            community_id,
            sessions: number("sessions", &self.sessions)?,
            window_start: super::form_date("window_start", &self.window_start)?,
            window_end: super::form_date("window_end", &self.window_end)?,
            venue: self.venue.clone(),
            expected_participants: number("expected_participants", &self.expected_participants)?,
            notes: self.notes.clone(),
        })
    }
}

#[derive(Template)]
#[template(path = "order_new.html")]
struct NewOrderPage {
    c: Ctx,
    item: MenuItem,
    community: Region,
    f: OrderForm,
}

async fn new_order_page(state: &AppState, c: Ctx, f: OrderForm) -> PageResult {
    let user = c.require(OFFICER)?;
    let community = my_community(state, user).await?;
    let item = state
        .store
        .menu(user.district())
        .await?
        .into_iter()
        .find(|m| m.project_id == f.project)
        .ok_or_else(|| PageError(AppError::not_found()))?;
    let page = NewOrderPage {
        c,
        item,
        community,
        f,
    };
    show(&page, &page.c)
}

async fn new_order(
    State(state): State<AppState>,
    c: Ctx,
    Query(f): Query<OrderForm>,
) -> PageResult {
    // A sensible first answer for each field: one session within the next month.
    let today = state.today();
    let or = |value: String, default: String| if value.is_empty() { default } else { value };
    let f = OrderForm {
        sessions: or(f.sessions, "1".to_owned()),
        window_start: or(f.window_start, (today + Duration::days(7)).to_string()),
        window_end: or(f.window_end, (today + Duration::days(37)).to_string()),
        expected_participants: or(f.expected_participants, "20".to_owned()),
        ..f
    };
    new_order_page(&state, c, f).await
}

async fn place_order(
    State(state): State<AppState>,
    c: Ctx,
    PageForm(f): PageForm<OrderForm>,
) -> PageResult {
    let user = c.require(OFFICER)?.clone();
    let community = my_community(&state, &user).await?;
    let placed = async {
        let body = f.body(community.id)?;
        services::orders::create_order(&state, &user, body)
            .await
            .map(|order| order.id)
    }
    .await;
    match placed {
        Ok(id) => done(&format!("/orders/{id}"), "ordered"),
        Err(e) => new_order_page(&state, c.refused(e), f).await,
    }
}
