//! The district's service hours as an Excel workbook, in the columns the national
//! volunteer service information system (全国志愿服务信息系统) imports: what the League
//! uploads so that hours served here count everywhere.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;
use time::Date;
use youthloop_domain::parse::SHANGHAI;
use youthloop_domain::role::Role;
use youthloop_store::model::HoursExportRow;

use crate::error::{AppError, AppResult};
use crate::extract::CurrentUser;
use crate::state::AppState;

/// The sheet's header row, in the import template's order; ours follow after.
pub const HOURS_COLUMNS: [&str; 11] = [
    "姓名",
    "证件类型",
    "证件号码",
    "服务时长",
    "服务日期",
    "项目名称",
    "服务地点",
    "开始时间",
    "结束时间",
    "记录组织",
    "志愿者编号",
];

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Every person here registered with a resident identity card.
const ID_KIND: &str = "居民身份证";

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD`, both days included.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    #[serde(with = "crate::wire::ymd")]
    #[param(value_type = String, example = "2026-12-01")]
    pub from: Date,
    #[serde(with = "crate::wire::ymd")]
    #[param(value_type = String, example = "2026-12-01")]
    pub to: Date,
}

/// The workbook: one row per standing record, hours to two decimals.
pub fn hours_workbook(rows: &[HoursExportRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("志愿服务时长")?;
    let bold = Format::new().set_bold();
    let hours = Format::new().set_num_format("0.00");
    for (col, title) in (0u16..).zip(HOURS_COLUMNS) {
        sheet.write_string_with_format(0, col, title, &bold)?;
    }
    let clock = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    for (row, r) in (1u32..).zip(rows) {
        let at = |t: time::OffsetDateTime| t.to_offset(SHANGHAI).format(&clock).unwrap_or_default();
        sheet.write_string(row, 0, &r.name)?;
        sheet.write_string(row, 1, ID_KIND)?;
        // Text, not a number: an 18-digit ID number would lose its last digits.
        sheet.write_string(row, 2, &r.id_number)?;
        sheet.write_number_with_format(row, 3, f64::from(r.minutes) / 60.0, &hours)?;
        sheet.write_string(row, 4, r.served_on.to_string())?;
        sheet.write_string(row, 5, &r.project)?;
        sheet.write_string(row, 6, &r.place)?;
        sheet.write_string(row, 7, at(r.starts_at))?;
        sheet.write_string(row, 8, at(r.ends_at))?;
        sheet.write_string(row, 9, &r.organization)?;
        sheet.write_string(row, 10, &r.volunteer_no)?;
    }
    sheet.autofit();
    workbook.save_to_buffer()
}

/// The League downloads the district's hours of a period (audited: ID numbers in the
/// clear).
pub async fn export_hours(
    state: &AppState,
    user: &CurrentUser,
    q: &PeriodQuery,
) -> AppResult<Vec<u8>> {
    user.require(&[Role::LeagueAdmin])?;
    if q.to < q.from {
        return Err(AppError::invalid(
            "to",
            "结束日期早于开始日期 / to is before from",
        ));
    }
    if q.to - q.from > time::Duration::days(366) {
        return Err(AppError::invalid(
            "to",
            "一次导出不超过一年 / At most a year at a time",
        ));
    }
    let rows = state
        .store
        .hours_export(&user.actor, (q.from, q.to))
        .await?;
    hours_workbook(&rows).map_err(AppError::internal)
}
