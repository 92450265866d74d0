//! One housekeeping pass (gateway.md G22): idle conversations older than
//! `execution.conversation_max_age_days` (by the last activity in their
//! record) are retired and deleted, then old unused images are pruned.
//! A conversation with a task running or a message waiting is never
//! deleted: the journal and the repo actors are both asked.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use tracing::{info, warn};

use super::Gateway;
use crate::channel::Channel;
use crate::conversation::ConversationRecord;
use crate::housekeeping::{
    busy_conversations, expired, planned_image_prune, prune_images, remove_conversation,
};
use crate::hub::{GatewayEvent, now_ms};
use crate::intake::ConversationId;
use crate::repo::{BusyConversations, RepoActor, RetireConversation};

/// Images unused this long go; the image cache rebuilds older ones on
/// their next use anyway, so pruning them costs no extra build.
const IMAGE_MIN_AGE: Duration = Duration::from_secs(24 * 3600);

/// Runs a pass now (the timer runs one after boot and then daily).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "HousekeepingReport")]
pub struct Housekeep;

/// What a pass would remove now, removing nothing (`airut gc --dry-run`):
/// the report lists the candidates as `removed`.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "HousekeepingReport")]
pub struct PlanHousekeeping;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HousekeepingReport {
    pub removed: Vec<(String, ConversationId)>,
    pub images_removed: Vec<String>,
    pub errors: Vec<String>,
}

struct LiveRepo {
    repo_id: String,
    addr: Addr<RepoActor>,
    channel: Arc<dyn Channel>,
    conversations: PathBuf,
}

impl Gateway {
    pub(super) fn housekeeping(&mut self, ctx: &mut Context<Self>) {
        let pass = self.housekeeping_pass(false);
        ctx.spawn(actix::fut::wrap_future::<_, Self>(async move {
            let report = pass.await;
            if !report.removed.is_empty() || !report.errors.is_empty() {
                info!(removed = report.removed.len(), errors = ?report.errors, "housekeeping");
            }
        }));
    }

    fn housekeeping_pass(
        &self,
        dry_run: bool,
    ) -> impl Future<Output = HousekeepingReport> + 'static {
        let live: Vec<LiveRepo> = self
            .repos
            .iter()
            .filter_map(|(id, entry)| {
                Some(LiveRepo {
                    repo_id: id.clone(),
                    addr: entry.addr.clone()?,
                    channel: entry.channel.clone()?,
                    conversations: self.settings.state_dir.join(id).join("conversations"),
                })
            })
            .collect();
        let store = self.settings.store.clone();
        let journal = self.journal.clone();
        let events = self.settings.events.clone();
        let max_age_days = self.settings.config.execution.conversation_max_age_days;
        let prune = self
            .settings
            .config
            .execution
            .image_prune
            .then(|| self.env.clone())
            .flatten();
        async move {
            let mut report = HousekeepingReport::default();
            let mut busy = BTreeSet::new();
            for repo in &live {
                busy.extend(repo.addr.send(BusyConversations).await.unwrap_or_default());
            }
            let selecting = {
                let store = store.clone();
                tokio::task::spawn_blocking(move || {
                    let mut busy = busy;
                    busy.extend(busy_conversations(&journal).map_err(|e| e.to_string())?);
                    let mut records = Vec::new();
                    for item in ConversationRecord::all(&store) {
                        let (key, record) = item.map_err(|e| e.to_string())?;
                        if let Some(id) = ConversationId::parse(&key) {
                            records.push((id, record));
                        }
                    }
                    let ids = expired(&records, now_ms(), max_age_days, &busy);
                    Ok::<_, String>(
                        records
                            .into_iter()
                            .filter(|(id, _)| ids.contains(id))
                            .map(|(id, record)| (id, record.repo_id))
                            .collect::<Vec<_>>(),
                    )
                })
                .await
            };
            let candidates = match selecting {
                Ok(Ok(candidates)) => candidates,
                Ok(Err(error)) => {
                    report.errors.push(error);
                    Vec::new()
                }
                Err(error) => {
                    report.errors.push(error.to_string());
                    Vec::new()
                }
            };
            for (id, repo_id) in candidates {
                // a repo that is not live now keeps its conversations
                let Some(repo) = live.iter().find(|r| r.repo_id == repo_id) else {
                    continue;
                };
                if dry_run {
                    report.removed.push((repo_id, id));
                    continue;
                }
                if !repo
                    .addr
                    .send(RetireConversation(id.clone()))
                    .await
                    .unwrap_or(false)
                {
                    continue;
                }
                let dir = repo.conversations.join(id.as_str());
                let (store, removing) = (store.clone(), id.clone());
                let removed = tokio::task::spawn_blocking(move || {
                    remove_conversation(&store, &dir, &removing)
                })
                .await;
                match removed {
                    Ok(Ok(())) => {
                        if let Err(error) = repo.channel.cleanup(&id).await {
                            warn!(conversation = %id, "channel cleanup: {error}");
                        }
                        events.publish(GatewayEvent::ConversationRemoved {
                            repo_id: repo_id.clone(),
                            conversation_id: id.clone(),
                        });
                        report.removed.push((repo_id, id));
                    }
                    Ok(Err(error)) => report.errors.push(format!("{id}: {error}")),
                    Err(error) => report.errors.push(format!("{id}: {error}")),
                }
            }
            if let Some(env) = prune {
                let (engine, names, keep) = (&env.engine, &env.names, &BTreeSet::new());
                let pruned = if dry_run {
                    planned_image_prune(engine, names, keep, IMAGE_MIN_AGE).await
                } else {
                    prune_images(engine, names, keep, IMAGE_MIN_AGE).await
                };
                report.images_removed = pruned.removed;
                report.errors.extend(pruned.errors);
            }
            report
        }
    }
}

impl Handler<Housekeep> for Gateway {
    type Result = ResponseFuture<HousekeepingReport>;

    fn handle(&mut self, _: Housekeep, _: &mut Context<Self>) -> Self::Result {
        Box::pin(self.housekeeping_pass(false))
    }
}

impl Handler<PlanHousekeeping> for Gateway {
    type Result = ResponseFuture<HousekeepingReport>;

    fn handle(&mut self, _: PlanHousekeeping, _: &mut Context<Self>) -> Self::Result {
        Box::pin(self.housekeeping_pass(true))
    }
}
