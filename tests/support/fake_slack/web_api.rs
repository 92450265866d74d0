//! The Web API methods, with Slack's response shapes and error codes. Each
//! takes the call's arguments (query, form or JSON body, merged) and returns
//! the fields that go next to `"ok": true`, or an error code.

use serde_json::{Map, Value, json};

use super::objects;
use super::state::{PendingUpload, State};
use super::types::Upload;
use super::{APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID};

/// Slack truncates message text past this many characters.
const MAX_TEXT_CHARS: usize = 40_000;
const MAX_BLOCKS: usize = 50;
const MAX_SECTION_TEXT: usize = 3_000;
const MAX_MARKDOWN_BLOCK_TEXT: usize = 12_000;

type Reply = Result<Value, String>;

pub(super) fn call(state: &mut State, method: &str, args: &Value) -> Reply {
    match method {
        "apps.connections.open" => connections_open(state),
        "auth.test" => Ok(json!({
            "url": "https://fake.slack.com/",
            "team": "Fake Workspace",
            "user": "airut",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": false,
        })),
        "users.info" => {
            let id = arg(args, "user").ok_or("user_not_found")?;
            let user = state.users.get(&id).ok_or("user_not_found")?;
            Ok(json!({ "user": objects::user(user) }))
        }
        "usergroups.list" => {
            let include_users = arg(args, "include_users").is_some_and(|v| v == "true" || v == "1");
            let groups: Vec<Value> = state
                .usergroups
                .iter()
                .map(|(id, handle, members)| objects::usergroup(id, handle, members, include_users))
                .collect();
            Ok(json!({ "usergroups": groups }))
        }
        "usergroups.users.list" => {
            let id = arg(args, "usergroup").ok_or("invalid_arguments")?;
            let (_, _, members) = state
                .usergroups
                .iter()
                .find(|(gid, _, _)| *gid == id)
                .ok_or("no_such_subteam")?;
            Ok(json!({ "users": members }))
        }
        "conversations.list" => conversations_list(state, args),
        "conversations.info" => {
            let channel = arg(args, "channel").ok_or("channel_not_found")?;
            let info = state
                .channels
                .get(&channel)
                .cloned()
                .ok_or("channel_not_found")?;
            Ok(json!({ "channel": info }))
        }
        "conversations.replies" => replies(state, args),
        "conversations.history" => {
            let channel = known_channel(state, args, "channel")?;
            let mut messages: Vec<Value> = state
                .messages
                .get(&channel)
                .map(|h| {
                    h.iter()
                        .filter(|m| m["thread_ts"].is_null() || m["thread_ts"] == m["ts"])
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            messages.reverse();
            Ok(json!({ "messages": messages, "has_more": false, "pin_count": 0 }))
        }
        "chat.postMessage" => post_message(state, args),
        "chat.update" => update_message(state, args),
        "chat.delete" => {
            let channel = known_channel(state, args, "channel")?;
            let ts = arg(args, "ts").ok_or("message_not_found")?;
            let history = state
                .messages
                .get_mut(&channel)
                .ok_or("message_not_found")?;
            let before = history.len();
            history.retain(|m| m["ts"] != ts.as_str());
            if history.len() == before {
                return Err("message_not_found".into());
            }
            Ok(json!({ "channel": channel, "ts": ts }))
        }
        "reactions.add" | "reactions.remove" => reaction(state, method, args),
        "assistant.threads.setStatus"
        | "assistant.threads.setTitle"
        | "assistant.threads.setSuggestedPrompts" => {
            let channel = arg(args, "channel_id").ok_or("channel_not_found")?;
            if !channel.starts_with('D') {
                return Err("channel_not_found".into());
            }
            let thread_ts = arg(args, "thread_ts").ok_or("invalid_arguments")?;
            if method == "assistant.threads.setTitle"
                && let Some(title) = arg(args, "title")
                && let Some(root) = state.find_message_mut(&channel, &thread_ts)
                && root["subtype"] == "assistant_app_thread"
            {
                root["assistant_app_thread"]["title"] = json!(title);
            }
            Ok(json!({}))
        }
        "files.getUploadURLExternal" => upload_url(state, args),
        "files.completeUploadExternal" => complete_upload(state, args),
        "files.info" => {
            let id = arg(args, "file").ok_or("file_not_found")?;
            let file = state.files.get(&id).ok_or("file_not_found")?;
            let object = objects::file(
                &state.base_url,
                &id,
                &file.name,
                file.bytes.len(),
                BOT_USER_ID,
            );
            Ok(json!({ "file": object }))
        }
        _ => Err("unknown_method".into()),
    }
}

/// An argument as a string, whichever encoding the call used.
pub(super) fn arg(args: &Value, key: &str) -> Option<String> {
    match &args[key] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An argument that is JSON (`blocks`, `files`): form encoding carries it
/// as a JSON string, a JSON body as the value itself.
fn json_arg(args: &Value, key: &str) -> Option<Value> {
    match &args[key] {
        Value::Null => None,
        Value::String(s) => serde_json::from_str(s)
            .ok()
            .or(Some(Value::String(s.clone()))),
        other => Some(other.clone()),
    }
}

fn known_channel(state: &State, args: &Value, key: &str) -> Result<String, String> {
    let channel = arg(args, key).ok_or("channel_not_found")?;
    if state.is_known_channel(&channel) {
        Ok(channel)
    } else {
        Err("channel_not_found".into())
    }
}

fn connections_open(state: &mut State) -> Reply {
    let ticket = state.next_id("ticket-");
    state.tickets.insert(ticket.clone());
    Ok(json!({ "url": format!("{}/link/?ticket={ticket}&app_id={APP_ID}", state.ws_url) }))
}

fn conversations_list(state: &State, args: &Value) -> Reply {
    let types = arg(args, "types").unwrap_or_else(|| "public_channel".into());
    let limit: usize = arg(args, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100)
        .clamp(1, 1000);
    let start: usize = arg(args, "cursor")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let all: Vec<Value> = state
        .channels
        .values()
        .filter(|c| {
            let private = c["is_private"].as_bool().unwrap_or(false);
            types.split(',').any(|t| match t.trim() {
                "public_channel" => !private,
                "private_channel" => private,
                _ => false,
            })
        })
        .cloned()
        .collect();
    let page: Vec<Value> = all.iter().skip(start).take(limit).cloned().collect();
    let next = if start + limit < all.len() {
        (start + limit).to_string()
    } else {
        String::new()
    };
    Ok(json!({ "channels": page, "response_metadata": { "next_cursor": next } }))
}

fn replies(state: &State, args: &Value) -> Reply {
    let channel = known_channel(state, args, "channel")?;
    let ts = arg(args, "ts").ok_or("thread_not_found")?;
    let thread = state.thread(&channel, &ts);
    if thread.is_empty() {
        return Err("thread_not_found".into());
    }
    let limit: usize = arg(args, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(1000)
        .clamp(1, 1000);
    let start: usize = arg(args, "cursor")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = thread.iter().skip(start).take(limit).cloned().collect();
    let has_more = start + limit < thread.len();
    let next = if has_more {
        (start + limit).to_string()
    } else {
        String::new()
    };
    Ok(json!({
        "messages": page,
        "has_more": has_more,
        "response_metadata": { "next_cursor": next },
    }))
}

/// Slack's limits on blocks: at most 50, a section's text 3000 characters,
/// a markdown block's 12000.
fn check_blocks(blocks: &Value) -> Result<(), String> {
    let list = blocks.as_array().ok_or("invalid_blocks_format")?;
    if list.len() > MAX_BLOCKS {
        return Err("invalid_blocks".into());
    }
    for block in list {
        let text_len = |v: &Value| v.as_str().map(|s| s.chars().count()).unwrap_or(0);
        let too_long = match block["type"].as_str() {
            Some("section") => text_len(&block["text"]["text"]) > MAX_SECTION_TEXT,
            Some("markdown") => text_len(&block["text"]) > MAX_MARKDOWN_BLOCK_TEXT,
            Some("header") => text_len(&block["text"]["text"]) > 150,
            Some(_) => false,
            None => return Err("invalid_blocks".into()),
        };
        if too_long {
            return Err("invalid_blocks".into());
        }
    }
    Ok(())
}

/// The text Slack stores: truncated past its limit.
fn stored_text(text: &str) -> String {
    text.chars().take(MAX_TEXT_CHARS).collect()
}

fn post_message(state: &mut State, args: &Value) -> Reply {
    let channel = known_channel(state, args, "channel")?;
    let text = arg(args, "text").unwrap_or_default();
    let blocks = json_arg(args, "blocks");
    if let Some(blocks) = &blocks {
        check_blocks(blocks)?;
    }
    let has_blocks = blocks
        .as_ref()
        .and_then(Value::as_array)
        .is_some_and(|b| !b.is_empty());
    if text.is_empty() && !has_blocks {
        return Err("no_text".into());
    }
    let ts = state.next_ts();
    let mut message = objects::bot_message(&ts, &stored_text(&text));
    if let Some(blocks) = blocks {
        message["blocks"] = blocks;
    }
    if let Some(metadata) = json_arg(args, "metadata") {
        message["metadata"] = metadata;
    }
    let thread_ts = arg(args, "thread_ts").filter(|t| !t.is_empty());
    if let Some(thread_ts) = &thread_ts {
        message["thread_ts"] = json!(thread_ts);
        message["parent_user_id"] = state
            .find_message_mut(&channel, thread_ts)
            .map(|parent| parent["user"].clone())
            .unwrap_or(Value::Null);
    }
    state.store_message(&channel, message.clone());
    if state.echo_bot_messages {
        let mut event = message.clone();
        event["channel"] = json!(channel);
        event["event_ts"] = json!(ts);
        event["channel_type"] = json!(channel_type(&channel));
        let (_, payload) = state.event_payload(event);
        state.enqueue(payload, 0);
    }
    Ok(json!({ "channel": channel, "ts": ts, "message": message }))
}

pub(super) fn channel_type(channel: &str) -> &'static str {
    match channel.chars().next() {
        Some('D') => "im",
        Some('G') => "group",
        _ => "channel",
    }
}

fn update_message(state: &mut State, args: &Value) -> Reply {
    let channel = known_channel(state, args, "channel")?;
    let ts = arg(args, "ts").ok_or("message_not_found")?;
    let text = arg(args, "text");
    let blocks = json_arg(args, "blocks");
    if let Some(blocks) = &blocks {
        check_blocks(blocks)?;
    }
    let message = state
        .find_message_mut(&channel, &ts)
        .ok_or("message_not_found")?;
    if message["user"] != BOT_USER_ID {
        return Err("cant_update_message".into());
    }
    if let Some(text) = text {
        message["text"] = json!(stored_text(&text));
    }
    if let Some(blocks) = blocks {
        message["blocks"] = blocks;
    }
    message["edited"] = json!({ "user": BOT_USER_ID, "ts": ts });
    let updated = message.clone();
    Ok(json!({
        "channel": channel,
        "ts": ts,
        "text": updated["text"],
        "message": updated,
    }))
}

fn reaction(state: &mut State, method: &str, args: &Value) -> Reply {
    let channel = known_channel(state, args, "channel")?;
    let ts = arg(args, "timestamp").ok_or("no_item_specified")?;
    let name = arg(args, "name")
        .filter(|n| !n.is_empty())
        .ok_or("invalid_name")?;
    let message = state
        .find_message_mut(&channel, &ts)
        .ok_or("message_not_found")?;
    let mut reactions: Vec<Value> = message["reactions"].as_array().cloned().unwrap_or_default();
    let mine = reactions.iter().position(|r| {
        r["name"] == name.as_str()
            && r["users"]
                .as_array()
                .is_some_and(|u| u.contains(&json!(BOT_USER_ID)))
    });
    match (method, mine) {
        ("reactions.add", Some(_)) => return Err("already_reacted".into()),
        ("reactions.add", None) => {
            reactions.push(json!({ "name": name, "users": [BOT_USER_ID], "count": 1 }))
        }
        (_, Some(index)) => {
            reactions.remove(index);
        }
        (_, None) => return Err("no_reaction".into()),
    }
    message["reactions"] = json!(reactions);
    Ok(json!({}))
}

fn upload_url(state: &mut State, args: &Value) -> Reply {
    let name = arg(args, "filename")
        .filter(|n| !n.is_empty())
        .ok_or("invalid_arguments")?;
    let length: usize = arg(args, "length")
        .and_then(|l| l.parse().ok())
        .ok_or("invalid_arguments")?;
    let file_id = state.next_id("F");
    let upload_id = state.next_id("u");
    let upload_url = format!("{}/upload/v1/{upload_id}", state.base_url);
    state.pending_uploads.insert(
        file_id.clone(),
        PendingUpload {
            name,
            length,
            upload_id,
            bytes: None,
        },
    );
    Ok(json!({ "upload_url": upload_url, "file_id": file_id }))
}

/// Stores the bytes POSTed to an upload URL; false when the URL is unknown.
pub(super) fn receive_upload(state: &mut State, upload_id: &str, bytes: Vec<u8>) -> bool {
    match state
        .pending_uploads
        .values_mut()
        .find(|p| p.upload_id == upload_id)
    {
        Some(pending) => {
            pending.bytes = Some(bytes);
            true
        }
        None => false,
    }
}

fn complete_upload(state: &mut State, args: &Value) -> Reply {
    let files = json_arg(args, "files")
        .and_then(|f| f.as_array().cloned())
        .filter(|f| !f.is_empty())
        .ok_or("invalid_arguments")?;
    let channel = arg(args, "channel_id").or_else(|| arg(args, "channels"));
    if let Some(channel) = &channel
        && !state.is_known_channel(channel)
    {
        return Err("channel_not_found".into());
    }
    let thread_ts = arg(args, "thread_ts").filter(|t| !t.is_empty());
    let initial_comment = arg(args, "initial_comment");
    let mut completed = Vec::new();
    for entry in &files {
        let id = arg(entry, "id").ok_or("invalid_arguments")?;
        let pending = state.pending_uploads.get(&id).ok_or("file_not_found")?;
        let bytes = pending.bytes.clone().ok_or("file_not_found")?;
        if bytes.len() != pending.length {
            return Err("file_upload_size_mismatch".into());
        }
        let title = arg(entry, "title");
        completed.push((id, pending.name.clone(), title, bytes));
    }
    let mut objects_out = Vec::new();
    let mut shared_files = Vec::new();
    for (id, name, title, bytes) in completed {
        state.pending_uploads.remove(&id);
        let mut object = objects::file(&state.base_url, &id, &name, bytes.len(), BOT_USER_ID);
        if let Some(title) = &title {
            object["title"] = json!(title);
        }
        objects_out.push(json!({ "id": id, "title": object["title"] }));
        shared_files.push(object);
        state.files.insert(
            id.clone(),
            super::state::HostedFile {
                name: name.clone(),
                bytes: bytes.clone(),
            },
        );
        state.uploads.push(Upload {
            file_id: id,
            name,
            title,
            bytes,
            channel: channel.clone(),
            thread_ts: thread_ts.clone(),
            initial_comment: initial_comment.clone(),
        });
    }
    if let Some(channel) = channel {
        // Slack shares the files with a message from the uploader.
        let ts = state.next_ts();
        let mut message = objects::bot_message(&ts, initial_comment.as_deref().unwrap_or(""));
        message["files"] = json!(shared_files);
        message["upload"] = json!(true);
        if let Some(thread_ts) = &thread_ts {
            message["thread_ts"] = json!(thread_ts);
        }
        state.store_message(&channel, message);
    }
    Ok(json!({ "files": objects_out }))
}

/// Merges `extra` into `{ "ok": true }`.
pub(super) fn ok_body(extra: Value) -> Value {
    let mut body = Map::new();
    body.insert("ok".into(), json!(true));
    if let Value::Object(fields) = extra {
        body.extend(fields);
    }
    Value::Object(body)
}
