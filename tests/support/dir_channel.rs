//! A channel over files, for a gateway running in another process (the
//! crash tests kill it with SIGKILL): its listener takes messages from
//! `<dir>/inbox/*.json` (an `InboundMessage` each), submits them to the
//! repo, and only once they are journaled moves them to `<dir>/acked/` —
//! the same order a real channel keeps (journal, then delete upstream).
//! Every outbound call is a JSON line in `<dir>/calls.jsonl`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix::Addr;
use airut_actors::channel::{
    Channel, ChannelContext, ChannelError, ChannelFactory, ChannelResult, Listener, Phase,
    PlanItem, StartedChannel,
};
use airut_actors::config::{ChannelKind, RepoConfig};
use airut_actors::intake::{ConversationId, InboundMessage};
use airut_actors::repo::{RepoActor, Submit};
use futures_util::future::BoxFuture;

pub struct DirChannelFactory {
    dir: PathBuf,
}

impl DirChannelFactory {
    pub fn new(dir: &Path) -> DirChannelFactory {
        DirChannelFactory {
            dir: dir.to_path_buf(),
        }
    }
}

impl ChannelFactory for DirChannelFactory {
    fn start<'a>(
        &'a self,
        _repo: &'a RepoConfig,
        intake: Addr<RepoActor>,
        _context: ChannelContext,
    ) -> BoxFuture<'a, Result<StartedChannel, ChannelError>> {
        let dir = self.dir.clone();
        Box::pin(async move {
            let listening = actix::spawn(listen(dir.clone(), intake));
            Ok(StartedChannel {
                kind: ChannelKind::Email,
                channel: Arc::new(DirChannel { dir }),
                listener: Some(Box::new(DirListener(listening))),
            })
        })
    }
}

struct DirListener(tokio::task::JoinHandle<()>);

impl Listener for DirListener {
    fn stop(self: Box<Self>) -> BoxFuture<'static, ()> {
        self.0.abort();
        Box::pin(async {})
    }
}

async fn listen(dir: PathBuf, intake: Addr<RepoActor>) {
    let (inbox, acked) = (dir.join("inbox"), dir.join("acked"));
    let _ = std::fs::create_dir_all(&acked);
    loop {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&inbox)
            .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        files.sort();
        for file in files {
            let Some(message) = std::fs::read(&file)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<InboundMessage>(&bytes).ok())
            else {
                continue;
            };
            if let Ok(Ok(_)) = intake.send(Submit(message)).await
                && let Some(name) = file.file_name()
            {
                let _ = std::fs::rename(&file, acked.join(name));
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct DirChannel {
    dir: PathBuf,
}

impl DirChannel {
    fn log(&self, call: &str, conversation: &ConversationId, text: &str) -> ChannelResult<'_> {
        let line = serde_json::json!({
            "call": call,
            "conversation": conversation.as_str(),
            "text": text,
        });
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("calls.jsonl"))
            .and_then(|mut f| writeln!(f, "{line}"));
        Box::pin(async move { written.map_err(|e| ChannelError(e.to_string())) })
    }
}

impl Channel for DirChannel {
    fn acknowledge<'a>(&'a self, c: &'a ConversationId, model: &'a str) -> ChannelResult<'a> {
        self.log("acknowledge", c, model)
    }

    fn report_phase<'a>(&'a self, c: &'a ConversationId, phase: Phase) -> ChannelResult<'a> {
        self.log("phase", c, &format!("{phase:?}"))
    }

    fn reply<'a>(
        &'a self,
        c: &'a ConversationId,
        text: &'a str,
        _files: &'a [PathBuf],
    ) -> ChannelResult<'a> {
        self.log("reply", c, text)
    }

    fn error_reply<'a>(&'a self, c: &'a ConversationId, text: &'a str) -> ChannelResult<'a> {
        self.log("error_reply", c, text)
    }

    fn plan_update<'a>(
        &'a self,
        c: &'a ConversationId,
        todos: &'a [PlanItem],
    ) -> ChannelResult<'a> {
        self.log("plan", c, &format!("{} items", todos.len()))
    }

    fn cleanup<'a>(&'a self, c: &'a ConversationId) -> ChannelResult<'a> {
        self.log("cleanup", c, "")
    }
}

/// The calls logged so far: (call, conversation, text).
pub fn calls(dir: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(dir.join("calls.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|v| {
            let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            (field("call"), field("conversation"), field("text"))
        })
        .collect()
}
