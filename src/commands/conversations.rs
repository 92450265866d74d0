//! `airut conversations [list|show ID]`: the running gateway's
//! conversations (`GET /api/conversations`, `/api/conversation/{id}` and
//! its events), filtered and rendered by `conversations_view`.

use anyhow::{Result, anyhow};
use serde_json::Value;

use super::conversations_view::{
    ListFilter, parse_age, render_list, render_show, state_of, summarise,
};
use super::logs::{colour, conversation_arg, fetch_log, now_ms};
use crate::cli::{
    ConversationShowArgs, ConversationsArgs, ConversationsCommand, ConversationsListArgs,
};

pub fn run(args: ConversationsArgs) -> Result<u8> {
    match args.command {
        None => list(&args.list),
        Some(ConversationsCommand::List(list_args)) => list(&list_args),
        Some(ConversationsCommand::Show(show_args)) => show(&show_args),
    }
}

fn list(args: &ConversationsListArgs) -> Result<u8> {
    let now = now_ms();
    let since_ms = args
        .since
        .as_deref()
        .map(parse_age)
        .transpose()
        .map_err(|e| anyhow!("--since {e}"))?
        .map(|age| now.saturating_sub(i64::try_from(age).unwrap_or(i64::MAX)));
    let api = super::gateway_api(&args.config)?;
    let body = api.get("/api/conversations")?;
    let filter = ListFilter {
        repo: args.repo.as_deref(),
        state: args.state,
        since_ms,
    };
    let list: Vec<Value> = body
        .as_array()
        .ok_or_else(|| anyhow!("the gateway's conversation list is not a list"))?
        .iter()
        .filter(|c| filter.keeps(c))
        .map(|c| {
            let mut c = c.clone();
            c["state"] = Value::from(state_of(&c));
            c
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        print!("{}", render_list(&list, now));
    }
    Ok(0)
}

fn show(args: &ConversationShowArgs) -> Result<u8> {
    let id = conversation_arg(&args.id)?;
    let api = super::gateway_api(&args.config)?;
    let detail = api.get(&format!("/api/conversation/{id}"))?;
    let (events, _) = fetch_log(&api, &format!("/api/conversation/{id}/events"), 0)?;
    let data = summarise(detail, &events, args.events);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&data)?);
    } else {
        print!("{}", render_show(&data, now_ms(), colour()));
    }
    Ok(0)
}
