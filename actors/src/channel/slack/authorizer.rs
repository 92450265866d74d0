//! Who may task the bot (reference S8): baseline checks on the sender's
//! `users.info` record, then the repo's `authorized` rules in order, the
//! first match granting access. Lookups go through [`Directory`] (the Web
//! API in production) and are cached with a time to live; a failed refresh
//! falls back to the last good answer rather than to nothing.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use serde_json::Value;
use tracing::warn;

use crate::config::SlackAuthRule;

/// How long a user record, the group list and a group's members are
/// trusted before they are fetched again.
pub const LOOKUP_TTL: Duration = Duration::from_secs(300);
/// Bound on cached users; a workspace larger than this just refetches.
const MAX_CACHED_USERS: usize = 10_000;

/// The `users.info` fields authorization and attribution need.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserInfo {
    pub id: String,
    pub team_id: Option<String>,
    pub name: String,
    /// `profile.display_name`, else `profile.real_name`, else `real_name`,
    /// else `name`.
    pub display: String,
    pub real_name: String,
    pub is_bot: bool,
    pub deleted: bool,
    pub is_restricted: bool,
    pub is_ultra_restricted: bool,
}

impl UserInfo {
    /// From the `user` object of a `users.info` answer.
    pub fn from_json(user: &Value) -> Option<UserInfo> {
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let flag = |key: &str| user.get(key).and_then(Value::as_bool).unwrap_or(false);
        let id = text(user.get("id"))?;
        let profile = user.get("profile");
        let name = text(user.get("name")).unwrap_or_else(|| id.clone());
        let real_name = text(profile.and_then(|p| p.get("real_name")))
            .or_else(|| text(user.get("real_name")))
            .unwrap_or_default();
        let display = text(profile.and_then(|p| p.get("display_name")))
            .or_else(|| (!real_name.is_empty()).then(|| real_name.clone()))
            .unwrap_or_else(|| name.clone());
        Some(UserInfo {
            team_id: text(user.get("team_id")),
            name,
            display,
            real_name,
            is_bot: flag("is_bot") || id == "USLACKBOT",
            deleted: flag("deleted"),
            is_restricted: flag("is_restricted"),
            is_ultra_restricted: flag("is_ultra_restricted"),
            id,
        })
    }

    /// `Name <U123>` for attribution; the id is bare so it can never
    /// become a live mention.
    pub fn attribution(&self) -> String {
        format!("{} <{}>", self.display, self.id)
    }
}

/// The bot's own identity (`auth.test`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub team_id: String,
    pub bot_user_id: String,
}

/// Lookups the authorizer needs; errors are short descriptions.
pub trait Directory: Send + Sync {
    /// `Ok(None)`: Slack does not know the user.
    fn user<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<UserInfo>, String>>;
    /// Every user group: handle → id.
    fn groups(&self) -> BoxFuture<'_, Result<HashMap<String, String>, String>>;
    fn group_members<'a>(&'a self, group_id: &'a str)
    -> BoxFuture<'a, Result<Vec<String>, String>>;
    fn workspace(&self) -> BoxFuture<'_, Result<Workspace, String>>;
}

/// Why a sender was refused. Never told to the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    LookupFailed(String),
    UnknownUser,
    Bot,
    Deactivated,
    WorkspaceUnknown,
    External,
    NoRuleMatched,
}

impl Rejection {
    /// The typed reason on the dashboard (`MessageRejected.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Rejection::LookupFailed(_) => "lookup_failed",
            Rejection::UnknownUser => "unknown_user",
            Rejection::Bot => "bot",
            Rejection::Deactivated => "deactivated",
            Rejection::WorkspaceUnknown => "workspace_unknown",
            Rejection::External => "external",
            Rejection::NoRuleMatched => "unauthorized",
        }
    }

    pub fn reason(&self) -> String {
        match self {
            Rejection::LookupFailed(e) => format!("failed to fetch user info: {e}"),
            Rejection::UnknownUser => "unknown user".into(),
            Rejection::Bot => "bot users are not allowed".into(),
            Rejection::Deactivated => "deactivated users are not allowed".into(),
            Rejection::WorkspaceUnknown => {
                "cannot verify workspace membership (auth.test failed)".into()
            }
            Rejection::External => "external users are not allowed".into(),
            Rejection::NoRuleMatched => "no authorization rule matched".into(),
        }
    }
}

/// Checks applied to everyone before the rules, in this order.
pub fn baseline(user: &UserInfo, team_id: Option<&str>) -> Result<(), Rejection> {
    if user.is_bot {
        return Err(Rejection::Bot);
    }
    if user.deleted {
        return Err(Rejection::Deactivated);
    }
    let Some(team_id) = team_id else {
        return Err(Rejection::WorkspaceUnknown);
    };
    if user.team_id.as_deref() != Some(team_id) {
        return Err(Rejection::External);
    }
    Ok(())
}

/// Whether one rule admits `user`; `members` is the rule's group (for
/// `user_group`; `None` when the group is unknown or could not be read).
pub fn rule_admits(
    rule: &SlackAuthRule,
    user: &UserInfo,
    members: Option<&HashSet<String>>,
) -> bool {
    match rule {
        SlackAuthRule::WorkspaceMembers(enabled) => {
            *enabled && !user.is_restricted && !user.is_ultra_restricted
        }
        SlackAuthRule::UserGroup(_) => members.is_some_and(|m| m.contains(&user.id)),
        SlackAuthRule::UserId(id) => *id == user.id,
    }
}

/// A map whose entries expire; expired entries stay readable as a
/// fallback for when a refresh fails.
#[derive(Debug)]
pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: HashMap<K, (Instant, V)>,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            ttl,
            capacity,
            entries: HashMap::new(),
        }
    }

    /// The entry if it is younger than the time to live at `now`.
    pub fn fresh(&self, key: &K, now: Instant) -> Option<V> {
        self.entries
            .get(key)
            .filter(|(at, _)| now.saturating_duration_since(*at) < self.ttl)
            .map(|(_, v)| v.clone())
    }

    /// The entry however old.
    pub fn stale(&self, key: &K) -> Option<V> {
        self.entries.get(key).map(|(_, v)| v.clone())
    }

    pub fn insert(&mut self, key: K, value: V, now: Instant) {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            let ttl = self.ttl;
            self.entries
                .retain(|_, (at, _)| now.saturating_duration_since(*at) < ttl);
            if self.entries.len() >= self.capacity {
                self.entries.clear();
            }
        }
        self.entries.insert(key, (now, value));
    }
}

/// The rules of one repo with cached lookups.
pub struct Authorizer<D> {
    directory: D,
    rules: Vec<SlackAuthRule>,
    users: Mutex<TtlCache<String, UserInfo>>,
    /// Keyed by `()`: the one handle → id map.
    groups: Mutex<TtlCache<(), HashMap<String, String>>>,
    members: Mutex<TtlCache<String, HashSet<String>>>,
    workspace: Mutex<Option<Workspace>>,
}

impl<D: Directory> Authorizer<D> {
    pub fn new(directory: D, rules: Vec<SlackAuthRule>, ttl: Duration) -> Self {
        Authorizer {
            directory,
            rules,
            users: Mutex::new(TtlCache::new(ttl, MAX_CACHED_USERS)),
            groups: Mutex::new(TtlCache::new(ttl, 1)),
            members: Mutex::new(TtlCache::new(ttl, 1024)),
            workspace: Mutex::new(None),
        }
    }

    pub fn directory(&self) -> &D {
        &self.directory
    }

    /// The bot's identity: `auth.test`, cached after the first success.
    pub async fn workspace(&self) -> Option<Workspace> {
        if let Some(known) = lock(&self.workspace).clone() {
            return Some(known);
        }
        match self.directory.workspace().await {
            Ok(found) => {
                *lock(&self.workspace) = Some(found.clone());
                Some(found)
            }
            Err(error) => {
                warn!(error, "slack: auth.test failed");
                None
            }
        }
    }

    /// The sender's record (cached), `Ok(None)` for an unknown user.
    pub async fn user(&self, id: &str) -> Result<Option<UserInfo>, String> {
        let now = Instant::now();
        if let Some(user) = lock(&self.users).fresh(&id.to_string(), now) {
            return Ok(Some(user));
        }
        match self.directory.user(id).await {
            Ok(Some(user)) => {
                lock(&self.users).insert(id.to_string(), user.clone(), Instant::now());
                Ok(Some(user))
            }
            Ok(None) => Ok(None),
            Err(error) => match lock(&self.users).stale(&id.to_string()) {
                Some(user) => Ok(Some(user)),
                None => Err(error),
            },
        }
    }

    /// A user's display name from the cache, fetched on a miss; `None`
    /// when it cannot be had.
    pub async fn display_name(&self, id: &str) -> Option<String> {
        self.user(id).await.ok().flatten().map(|u| u.display)
    }

    /// Admits or refuses `user_id`; on success returns the user's record.
    pub async fn authorize(&self, user_id: &str) -> Result<UserInfo, Rejection> {
        let user = match self.user(user_id).await {
            Ok(Some(user)) => user,
            Ok(None) => return Err(Rejection::UnknownUser),
            Err(error) => return Err(Rejection::LookupFailed(error)),
        };
        let team = self.workspace().await.map(|w| w.team_id);
        baseline(&user, team.as_deref())?;
        for rule in &self.rules {
            let members = match rule {
                SlackAuthRule::UserGroup(handle) => self.group_members(handle).await,
                _ => None,
            };
            if rule_admits(rule, &user, members.as_ref()) {
                return Ok(user);
            }
        }
        Err(Rejection::NoRuleMatched)
    }

    /// Members of every `user_group` rule's group (mention candidates).
    pub async fn rule_group_members(&self) -> Vec<String> {
        let mut out = Vec::new();
        for rule in &self.rules {
            if let SlackAuthRule::UserGroup(handle) = rule
                && let Some(members) = self.group_members(handle).await
            {
                let mut members: Vec<String> = members.into_iter().collect();
                members.sort();
                out.extend(members);
            }
        }
        out
    }

    async fn group_members(&self, handle: &str) -> Option<HashSet<String>> {
        let group_id = self.group_id(handle).await?;
        let now = Instant::now();
        if let Some(members) = lock(&self.members).fresh(&group_id, now) {
            return Some(members);
        }
        match self.directory.group_members(&group_id).await {
            Ok(list) => {
                let members: HashSet<String> = list.into_iter().collect();
                lock(&self.members).insert(group_id, members.clone(), Instant::now());
                Some(members)
            }
            Err(error) => {
                warn!(handle, error, "slack: reading user group members failed");
                lock(&self.members).stale(&group_id)
            }
        }
    }

    async fn group_id(&self, handle: &str) -> Option<String> {
        let now = Instant::now();
        let cached = lock(&self.groups).fresh(&(), now);
        let groups = match cached {
            Some(groups) => groups,
            None => match self.directory.groups().await {
                Ok(groups) => {
                    lock(&self.groups).insert((), groups.clone(), Instant::now());
                    groups
                }
                Err(error) => {
                    warn!(error, "slack: usergroups.list failed");
                    lock(&self.groups).stale(&()).unwrap_or_default()
                }
            },
        };
        let id = groups.get(handle).cloned();
        if id.is_none() {
            warn!(
                handle,
                "slack: no user group with this handle; the rule matches nobody"
            );
        }
        id
    }
}

/// A poisoned cache lock only means another lookup panicked; the data is
/// still a valid cache.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
#[path = "authorizer_tests.rs"]
mod tests;
