//! `airut logs CONVERSATION [--task T] [--network] [--follow]`: Claude's
//! events or the network log of a conversation, one line per event
//! (`event_line`). The backlog comes from `GET /api/conversation/{id}/
//! events|network`; `--follow` reads the dashboard's WebSocket
//! (`conversation:` for the task's end, `events:`/`network:` for lines)
//! and stops when the followed task finishes.

use std::io::{IsTerminal, Write};
use std::net::TcpStream;

use airut::web::ids;
use anyhow::{Result, anyhow, bail};
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use super::event_line::{claude_lines, colour_enabled, line_task, network_line};
use super::gateway_api::GatewayApi;
use crate::cli::LogsArgs;

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Colour on stdout: a terminal, no `NO_COLOR`, not `TERM=dumb`.
pub fn colour() -> bool {
    colour_enabled(
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").map(|_| ""),
        std::env::var("TERM").ok().as_deref(),
    )
}

/// A conversation id from the command line, checked before it goes into
/// a URL.
pub fn conversation_arg(text: &str) -> Result<String> {
    ids::conversation_id(text)
        .map(|id| id.to_string())
        .ok_or_else(|| anyhow!("{text:?} is not a conversation id (8 lowercase hex digits)"))
}

/// Every line of a conversation log after line `after`, page by page;
/// returns them and the cursor after the last.
pub fn fetch_log(api: &GatewayApi, path: &str, after: u64) -> Result<(Vec<Value>, u64)> {
    let mut lines = Vec::new();
    let mut cursor = after;
    loop {
        let page = api.get(&format!("{path}?after={cursor}"))?;
        lines.extend(page["lines"].as_array().cloned().unwrap_or_default());
        cursor = page["cursor"].as_u64().unwrap_or(cursor);
        if page["more"] != true {
            return Ok((lines, cursor));
        }
    }
}

struct Printer {
    json: bool,
    network: bool,
    task: Option<String>,
    colour: bool,
}

impl Printer {
    fn print(&self, lines: &[Value]) -> Result<()> {
        let mut out = std::io::stdout().lock();
        for line in lines {
            if self
                .task
                .as_deref()
                .is_some_and(|t| line_task(line) != Some(t))
            {
                continue;
            }
            if self.json {
                writeln!(out, "{line}")?;
            } else if self.network {
                writeln!(out, "{}", network_line(line, self.colour))?;
            } else {
                for text in claude_lines(line, self.colour) {
                    writeln!(out, "{text}")?;
                }
            }
        }
        out.flush()?;
        Ok(())
    }
}

pub fn run(args: &LogsArgs) -> Result<u8> {
    let id = conversation_arg(&args.conversation)?;
    if let Some(task) = &args.task
        && ids::task_conversation(task)
            .map(|c| c.to_string())
            .as_deref()
            != Some(id.as_str())
    {
        bail!("{task:?} is not a task of conversation {id} (tasks are {id}-1, {id}-2, ...)");
    }
    let api = super::gateway_api(&args.config)?;
    let kind = if args.network { "network" } else { "events" };
    let path = format!("/api/conversation/{id}/{kind}");
    let printer = Printer {
        json: args.json,
        network: args.network,
        task: args.task.clone(),
        colour: colour(),
    };
    if !args.follow {
        let (lines, _) = fetch_log(&api, &path, 0)?;
        printer.print(&lines)?;
        return Ok(0);
    }
    follow(&api, &id, kind, &path, &printer, args.task.as_deref())
}

/// The next JSON text message of the socket.
fn next_message(ws: &mut WebSocket<TcpStream>) -> Result<Value> {
    loop {
        match ws.read() {
            Ok(Message::Text(text)) => {
                return serde_json::from_str(text.as_str())
                    .map_err(|e| anyhow!("the gateway sent a message that is not JSON: {e}"));
            }
            Ok(Message::Close(_)) => bail!("the gateway closed the connection"),
            Ok(_) => {}
            Err(err) => bail!("the gateway's WebSocket ended: {err}"),
        }
    }
}

fn subscribe(ws: &mut WebSocket<TcpStream>, message: Value) -> Result<()> {
    ws.send(Message::text(message.to_string()))
        .map_err(|e| anyhow!("writing to the gateway's WebSocket: {e}"))
}

fn follow(
    api: &GatewayApi,
    id: &str,
    kind: &str,
    path: &str,
    printer: &Printer,
    task: Option<&str>,
) -> Result<u8> {
    let mut ws = api.websocket()?;
    let conversation_topic = format!("conversation:{id}");
    subscribe(&mut ws, json!({"subscribe": conversation_topic}))?;
    let snapshot = loop {
        let msg = next_message(&mut ws)?;
        match msg["type"].as_str() {
            Some("snapshot") if msg["topic"] == conversation_topic.as_str() => break msg,
            Some("error") => bail!("{}", msg["message"].as_str().unwrap_or("refused")),
            _ => {}
        }
    };
    let conversation = &snapshot["conversation"];
    if conversation.is_null() {
        bail!("no such conversation");
    }
    let tasks = conversation["tasks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let unfinished = tasks
        .iter()
        .filter(|t| t["status"] != "finished")
        .map(|t| {
            t["task"]["task_id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect::<Vec<_>>();
    let waiting = conversation["queued_messages"]
        .as_array()
        .is_some_and(|m| !m.is_empty());
    let target: Option<String> = match task {
        Some(task) => {
            let known_finished = tasks
                .iter()
                .any(|t| t["task"]["task_id"] == task && t["status"] == "finished");
            let coming = unfinished.iter().any(|t| t == task) || waiting;
            (!known_finished && coming).then(|| task.to_string())
        }
        // nothing runs yet, a message waits: follow the next task
        None if unfinished.is_empty() && waiting => Some(String::new()),
        None => unfinished.into_iter().next(),
    };
    let Some(target) = target else {
        let _ = ws.close(None);
        let (lines, _) = fetch_log(api, path, 0)?;
        printer.print(&lines)?;
        eprintln!("airut: nothing is running in conversation {id}; not following");
        return Ok(0);
    };

    let log_topic = format!("{kind}:{id}");
    subscribe(&mut ws, json!({"subscribe": log_topic, "cursor": 0}))?;
    let mut cursor = 0;
    loop {
        let msg = next_message(&mut ws)?;
        match msg["type"].as_str() {
            Some("append") if msg["topic"] == log_topic.as_str() => {
                printer.print(msg["lines"].as_array().map_or(&[], Vec::as_slice))?;
                cursor = msg["cursor"].as_u64().unwrap_or(cursor);
            }
            Some("event") if msg["topic"] == conversation_topic.as_str() => {
                let event = &msg["event"];
                let finished = event["type"] == "task_finished"
                    && (target.is_empty() || event["task"]["task_id"] == target.as_str());
                if finished {
                    break;
                }
            }
            Some("error") => bail!("{}", msg["message"].as_str().unwrap_or("refused")),
            _ => {}
        }
    }
    let _ = ws.close(None);
    // Lines written after the last push (the network log is followed by
    // inotify, which may report its last lines after the task's end).
    let (rest, _) = fetch_log(api, path, cursor)?;
    printer.print(&rest)?;
    Ok(0)
}
