//! What live config reload asks of a repo (gateway.md G23.4): new
//! task-scope values for its next tasks, and retiring the actor when the
//! repo is restarted or removed (only ever while it is idle).

use actix::prelude::*;
use tracing::info;

use super::RepoActor;
use crate::conversation::{Retire, UpdateTaskSettings};

impl Handler<UpdateTaskSettings> for RepoActor {
    type Result = ();

    fn handle(&mut self, msg: UpdateTaskSettings, _: &mut Context<Self>) {
        info!(repo = self.settings.repo_id, "task settings reloaded");
        self.settings.repo = msg.repo.clone();
        self.settings.repo_model = msg.repo_model.clone();
        self.settings.repo_effort = msg.repo_effort.clone();
        for (_, addr) in self.addresses() {
            addr.do_send(msg.clone());
        }
    }
}

/// Stops the repo actor and its (idle) conversation actors. Returns
/// `false`, and stops nothing, when a conversation turned out to be busy.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "bool")]
pub struct RetireRepo;

impl Handler<RetireRepo> for RepoActor {
    type Result = ResponseActFuture<Self, bool>;

    fn handle(&mut self, _: RetireRepo, _: &mut Context<Self>) -> Self::Result {
        let addresses = self.addresses();
        let retire = async move {
            let mut all = true;
            for (_, addr) in addresses {
                all &= addr.send(Retire).await.unwrap_or(true);
            }
            all
        };
        Box::pin(
            actix::fut::wrap_future::<_, Self>(retire).map(|all, act, ctx| {
                if all {
                    info!(repo = act.settings.repo_id, "repo actor retired");
                    ctx.stop();
                }
                all
            }),
        )
    }
}
