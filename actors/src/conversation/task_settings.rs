//! Live reload of task-scope config (gateway.md G23.4): the next task of
//! the conversation runs with the new values; a running task keeps the
//! copy it took when it started.

use actix::prelude::*;

use super::ConversationActor;
use crate::task_runner::TaskRepo;

/// New `repos.<id>` task-scope values.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct UpdateTaskSettings {
    pub repo: TaskRepo,
    pub repo_model: Option<String>,
    pub repo_effort: Option<String>,
}

impl Handler<UpdateTaskSettings> for ConversationActor {
    type Result = ();

    fn handle(&mut self, msg: UpdateTaskSettings, _: &mut Context<Self>) {
        self.setup.repo = msg.repo;
        self.setup.repo_model = msg.repo_model;
        self.setup.repo_effort = msg.repo_effort;
    }
}
