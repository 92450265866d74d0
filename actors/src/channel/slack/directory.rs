//! [`Directory`] over the Web API: `users.info`, `usergroups.list`,
//! `usergroups.users.list` and `auth.test` with the bot token.

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::api::SlackApi;
use super::authorizer::{Directory, UserInfo, Workspace};

pub struct SlackDirectory(pub SlackApi);

impl Directory for SlackDirectory {
    fn user<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<UserInfo>, String>> {
        Box::pin(async move {
            match self.0.get_json("users.info", &[("user", id)]).await {
                Ok(answer) => Ok(answer.get("user").and_then(UserInfo::from_json)),
                Err(error) if error.0.ends_with("user_not_found") => Ok(None),
                Err(error) => Err(error.0),
            }
        })
    }

    fn groups(&self) -> BoxFuture<'_, Result<HashMap<String, String>, String>> {
        Box::pin(async move {
            let answer = self
                .0
                .get_json("usergroups.list", &[])
                .await
                .map_err(|e| e.0)?;
            let groups = answer
                .get("usergroups")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(|g| {
                            let handle = g.get("handle")?.as_str()?;
                            let id = g.get("id")?.as_str()?;
                            Some((handle.to_string(), id.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(groups)
        })
    }

    fn group_members<'a>(
        &'a self,
        group_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, String>> {
        Box::pin(async move {
            let answer = self
                .0
                .get_json("usergroups.users.list", &[("usergroup", group_id)])
                .await
                .map_err(|e| e.0)?;
            Ok(strings(answer.get("users")))
        })
    }

    fn workspace(&self) -> BoxFuture<'_, Result<Workspace, String>> {
        Box::pin(async move {
            let answer = self.0.get_json("auth.test", &[]).await.map_err(|e| e.0)?;
            let field = |k: &str| answer.get(k).and_then(Value::as_str).map(str::to_string);
            match (field("team_id"), field("user_id")) {
                (Some(team_id), Some(bot_user_id)) => Ok(Workspace {
                    team_id,
                    bot_user_id,
                }),
                _ => Err("auth.test: answer without team_id or user_id".into()),
            }
        })
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
