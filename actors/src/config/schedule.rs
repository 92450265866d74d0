//! Periodic tasks of a repo (`repos.<id>.schedules.<name>`, C-7).

use std::collections::BTreeMap;
use std::time::Duration;

use super::cron::CronExpression;
use super::diagnostics::Diagnostics;
use super::fields::{Field, Section, echo, entry_field};
use super::repo::ChannelKind;
use super::yaml_tree::Origin;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleConfig {
    /// The key under `schedules:`.
    pub name: String,
    pub cron: CronExpression,
    pub deliver: ScheduleDelivery,
    pub enable: bool,
    /// Subject of the result message; the schedule name unless set.
    pub subject: String,
    /// IANA zone the cron expression is read in; `None` = server local time.
    pub timezone: Option<String>,
    pub task: ScheduleTask,
    /// Limit for `trigger_command`; `None` = the repo's task timeout.
    pub trigger_timeout: Option<Duration>,
    /// Overrides the repo's model / effort for this schedule.
    pub model: Option<String>,
    pub effort: Option<String>,
    /// Most bytes of script output kept.
    pub output_limit_bytes: u64,
}

/// What a schedule runs: exactly one of `prompt` or `trigger_command`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleTask {
    Prompt(String),
    /// A shell command whose output decides whether (and with what) a task
    /// starts.
    TriggerCommand(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleDelivery {
    pub channel: ChannelKind,
    /// Recipient (an email address for the email channel).
    pub to: String,
}

const SCHEDULE_KEYS: &[&str] = &[
    "cron",
    "deliver",
    "enable",
    "subject",
    "timezone",
    "prompt",
    "trigger_command",
    "trigger_timeout",
    "model",
    "effort",
    "output_limit",
];

const DEFAULT_OUTPUT_LIMIT: u64 = 102_400;

pub(crate) fn parse_schedules(
    field: &Field<'_>,
    channels: &[ChannelKind],
    d: &mut Diagnostics,
) -> BTreeMap<String, ScheduleConfig> {
    let mut out = BTreeMap::new();
    for entry in field.entries(d) {
        let f = entry_field(&field.path, entry);
        let Some(s) = f.section(d, SCHEDULE_KEYS) else {
            if !f.is_present() {
                d.error(
                    &f.path,
                    entry.key_line,
                    "expected a mapping with cron, deliver and prompt or trigger_command",
                );
            }
            continue;
        };
        if let Some(schedule) = parse_schedule(&entry.key, &s, channels, d) {
            out.insert(entry.key.clone(), schedule);
        }
    }
    out
}

fn parse_schedule(
    name: &str,
    s: &Section<'_>,
    channels: &[ChannelKind],
    d: &mut Diagnostics,
) -> Option<ScheduleConfig> {
    let cron = cron(&s.field("cron"), d);
    let deliver = deliver(&s.field("deliver"), channels, d);
    let enable = s.field("enable").bool_or(d, true);
    let subject = s.field("subject").str_or(d, name);
    let timezone = timezone(&s.field("timezone"), d);
    let task = task(s, d);
    let trigger_timeout = s
        .field("trigger_timeout")
        .opt_uint(d, 1)
        .map(Duration::from_secs);
    let model = s.field("model").opt_str(d);
    let effort = s.field("effort").opt_str(d);
    let output_limit_bytes = s
        .field("output_limit")
        .opt_uint(d, 1)
        .unwrap_or(DEFAULT_OUTPUT_LIMIT);
    Some(ScheduleConfig {
        name: name.to_owned(),
        cron: cron?,
        deliver: deliver?,
        enable,
        subject,
        timezone: timezone.ok()?,
        task: task?,
        trigger_timeout,
        model,
        effort,
        output_limit_bytes,
    })
}

fn cron(field: &Field<'_>, d: &mut Diagnostics) -> Option<CronExpression> {
    let text = field.req_str(d)?;
    match CronExpression::parse(&text) {
        Ok(c) => Some(c),
        Err(e) => {
            d.error(
                &field.path,
                field.line(),
                format!("invalid cron expression: {e}"),
            );
            None
        }
    }
}

/// `Ok(None)`: unset (server local time). `Err`: invalid, reported.
fn timezone(field: &Field<'_>, d: &mut Diagnostics) -> Result<Option<String>, ()> {
    let Some(name) = field.opt_str(d) else {
        return Ok(None);
    };
    if jiff::tz::TimeZone::get(&name).is_ok() {
        return Ok(Some(name));
    }
    d.error(
        &field.path,
        field.line(),
        format!(
            "unknown time zone {}; use an IANA name such as Europe/Helsinki",
            echo(&name, &Origin::Plain)
        ),
    );
    Err(())
}

fn task(s: &Section<'_>, d: &mut Diagnostics) -> Option<ScheduleTask> {
    let prompt = s.field("prompt").opt_str(d);
    let command = s.field("trigger_command").opt_str(d);
    match (prompt, command) {
        (Some(p), None) => Some(ScheduleTask::Prompt(p)),
        (None, Some(c)) => Some(ScheduleTask::TriggerCommand(c)),
        (Some(_), Some(_)) => {
            let f = s.field("trigger_command");
            d.error(
                &s.path,
                f.key_line,
                "set either `prompt` or `trigger_command`, not both",
            );
            None
        }
        (None, None) => {
            d.error(
                &s.path,
                s.line,
                "set exactly one of `prompt` or `trigger_command`",
            );
            None
        }
    }
}

fn deliver(
    field: &Field<'_>,
    channels: &[ChannelKind],
    d: &mut Diagnostics,
) -> Option<ScheduleDelivery> {
    let s = field.req_section(d, &["to", "channel"])?;
    let to = s.field("to").req_str(d);
    let channel_field = s.field("channel");
    let name = channel_field.str_or(d, ChannelKind::Email.as_str());
    let Some(channel) = ChannelKind::parse(&name) else {
        d.error(
            &channel_field.path,
            channel_field.line(),
            format!(
                "unknown channel {}; expected email or slack",
                echo(&name, &Origin::Plain)
            ),
        );
        return None;
    };
    if !channels.contains(&channel) {
        let configured: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
        d.error(
            &channel_field.path,
            channel_field.line(),
            format!(
                "channel `{name}` is not configured for this repo (configured: {})",
                if configured.is_empty() {
                    "none".to_owned()
                } else {
                    configured.join(", ")
                }
            ),
        );
        return None;
    }
    if channel != ChannelKind::Email {
        d.warn(
            &channel_field.path,
            channel_field.line(),
            format!("delivery over {name} is not implemented yet; results of this schedule will not be sent"),
        );
    }
    Some(ScheduleDelivery { channel, to: to? })
}
