//! `airut stop CONVERSATION|TASK [--drop-queued]`: `POST
//! /api/conversation/{id}/stop` or `/api/task/{id}/stop`, then waits on
//! the dashboard's WebSocket (`task:` topic) until the stopped task has
//! ended, and says how it ended.

use std::time::Duration;

use airut::web::ids;
use anyhow::{Result, anyhow, bail};
use serde_json::json;
use tungstenite::Message;

use super::gateway_api::GatewayApi;
use crate::cli::StopArgs;

/// How long a stopped task may take to end (its container is killed
/// after the engine's stop timeout, well within this).
const END_TIMEOUT: Duration = Duration::from_secs(120);

pub fn run(args: &StopArgs) -> Result<u8> {
    let path = if ids::task_conversation(&args.id).is_some() {
        if args.drop_queued {
            bail!("--drop-queued needs a conversation id, not a task id");
        }
        format!("/api/task/{}/stop", args.id)
    } else if let Some(id) = ids::conversation_id(&args.id) {
        let drop = if args.drop_queued {
            "?drop_pending=true"
        } else {
            ""
        };
        format!("/api/conversation/{id}/stop{drop}")
    } else {
        bail!(
            "{:?} is neither a conversation id (8 lowercase hex digits) nor a task id (<conversation>-<n>)",
            args.id
        );
    };
    let api = super::gateway_api(&args.config)?;
    let response = api.request("POST", &path)?;
    match response.status {
        200 => {}
        404 | 409 => bail!("nothing stopped: {}", response.error_message()),
        other => bail!("the gateway answered {other}: {}", response.error_message()),
    }
    let dropped = response.body["dropped"].as_u64().unwrap_or(0);
    if dropped > 0 {
        println!(
            "dropped {dropped} waiting message{}",
            if dropped == 1 { "" } else { "s" }
        );
    }
    if let Some(task) = response.body["stopped_task"].as_str() {
        println!("stopping task {task}");
        let outcome = wait_end(&api, task)?;
        println!("task {task} ended: {outcome}");
    }
    Ok(0)
}

/// The outcome of `task` once it has finished.
fn wait_end(api: &GatewayApi, task: &str) -> Result<String> {
    let mut ws = api.websocket()?;
    ws.get_ref().set_read_timeout(Some(END_TIMEOUT))?;
    let topic = format!("task:{task}");
    ws.send(Message::text(json!({"subscribe": topic}).to_string()))?;
    loop {
        let msg = match ws.read() {
            Ok(Message::Text(text)) => serde_json::from_str::<serde_json::Value>(text.as_str())?,
            Ok(Message::Close(_)) => {
                bail!("the gateway closed the connection before task {task} ended")
            }
            Ok(_) => continue,
            Err(tungstenite::Error::Io(err))
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                bail!(
                    "task {task} was told to stop but has not ended after {} s; see `airut status`",
                    END_TIMEOUT.as_secs()
                )
            }
            Err(err) => bail!("the gateway's WebSocket ended: {err}"),
        };
        if msg["topic"] != topic.as_str() {
            continue;
        }
        let outcome = match msg["type"].as_str() {
            Some("snapshot") | Some("resync") if msg["task"]["status"] == "finished" => {
                msg["task"]["outcome"].as_str()
            }
            Some("event") if msg["event"]["type"] == "task_finished" => {
                msg["event"]["outcome"].as_str()
            }
            Some("error") => {
                return Err(anyhow!("{}", msg["message"].as_str().unwrap_or("refused")));
            }
            _ => continue,
        };
        let _ = ws.close(None);
        return Ok(outcome.unwrap_or("finished").to_string());
    }
}
