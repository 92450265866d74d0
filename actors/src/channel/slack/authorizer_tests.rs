use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::json;

use super::*;

fn user(id: &str) -> UserInfo {
    UserInfo {
        id: id.into(),
        team_id: Some("T1".into()),
        name: id.to_lowercase(),
        display: format!("Name {id}"),
        ..UserInfo::default()
    }
}

/// A directory answering from maps, counting calls, failing on request.
#[derive(Default)]
struct Book {
    users: HashMap<String, UserInfo>,
    groups: HashMap<String, String>,
    members: HashMap<String, Vec<String>>,
    user_calls: AtomicUsize,
    group_calls: AtomicUsize,
    member_calls: AtomicUsize,
    failing: AtomicBool,
    no_workspace: bool,
}

impl Directory for Book {
    fn user<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<UserInfo>, String>> {
        self.user_calls.fetch_add(1, Ordering::SeqCst);
        let answer = if self.failing.load(Ordering::SeqCst) {
            Err("ratelimited".to_string())
        } else {
            Ok(self.users.get(id).cloned())
        };
        Box::pin(async move { answer })
    }

    fn groups(&self) -> BoxFuture<'_, Result<HashMap<String, String>, String>> {
        self.group_calls.fetch_add(1, Ordering::SeqCst);
        let answer = if self.failing.load(Ordering::SeqCst) {
            Err("down".to_string())
        } else {
            Ok(self.groups.clone())
        };
        Box::pin(async move { answer })
    }

    fn group_members<'a>(
        &'a self,
        group_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, String>> {
        self.member_calls.fetch_add(1, Ordering::SeqCst);
        let answer = if self.failing.load(Ordering::SeqCst) {
            Err("down".to_string())
        } else {
            Ok(self.members.get(group_id).cloned().unwrap_or_default())
        };
        Box::pin(async move { answer })
    }

    fn workspace(&self) -> BoxFuture<'_, Result<Workspace, String>> {
        let answer = if self.no_workspace {
            Err("invalid_auth".to_string())
        } else {
            Ok(Workspace {
                team_id: "T1".into(),
                bot_user_id: "UBOT".into(),
            })
        };
        Box::pin(async move { answer })
    }
}

fn book() -> Book {
    let mut b = Book::default();
    for u in [user("U1"), user("U2"), user("U3")] {
        b.users.insert(u.id.clone(), u);
    }
    b.groups.insert("eng".into(), "S1".into());
    b.members.insert("S1".into(), vec!["U2".into()]);
    b
}

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[test]
fn user_info_display_name_falls_back_in_order() {
    let full = UserInfo::from_json(&json!({"id": "U1", "name": "ann", "real_name": "Top",
        "team_id": "T1", "profile": {"display_name": "Annie", "real_name": "Ann A"}}))
    .expect("user");
    assert_eq!(full.display, "Annie");
    assert_eq!(full.real_name, "Ann A");
    assert_eq!(full.attribution(), "Annie <U1>");
    let real = UserInfo::from_json(&json!({"id": "U1", "name": "ann",
        "profile": {"display_name": "", "real_name": "Ann A"}}))
    .expect("user");
    assert_eq!(real.display, "Ann A");
    let top =
        UserInfo::from_json(&json!({"id": "U1", "name": "ann", "real_name": "Top"})).expect("user");
    assert_eq!(top.display, "Top");
    let bare = UserInfo::from_json(&json!({"id": "U1", "name": "ann"})).expect("user");
    assert_eq!(bare.display, "ann");
    assert!(UserInfo::from_json(&json!({"name": "no id"})).is_none());
    let slackbot =
        UserInfo::from_json(&json!({"id": "USLACKBOT", "name": "slackbot"})).expect("user");
    assert!(slackbot.is_bot);
}

#[test]
fn baseline_rejects_in_order() {
    let mut u = user("U1");
    assert_eq!(baseline(&u, Some("T1")), Ok(()));
    assert_eq!(baseline(&u, None), Err(Rejection::WorkspaceUnknown));
    assert_eq!(baseline(&u, Some("T2")), Err(Rejection::External));
    u.deleted = true;
    assert_eq!(baseline(&u, Some("T1")), Err(Rejection::Deactivated));
    u.is_bot = true;
    assert_eq!(baseline(&u, Some("T1")), Err(Rejection::Bot));
}

#[test]
fn guests_pass_only_explicit_rules() {
    let mut guest = user("U1");
    guest.is_restricted = true;
    let everyone = SlackAuthRule::WorkspaceMembers(true);
    assert!(!rule_admits(&everyone, &guest, None));
    guest.is_restricted = false;
    guest.is_ultra_restricted = true;
    assert!(!rule_admits(&everyone, &guest, None));
    assert!(rule_admits(
        &SlackAuthRule::UserId("U1".into()),
        &guest,
        None
    ));
    assert!(rule_admits(&everyone, &user("U1"), None));
    assert!(!rule_admits(
        &SlackAuthRule::WorkspaceMembers(false),
        &user("U1"),
        None
    ));
}

#[test]
fn first_matching_rule_grants_and_others_are_refused() {
    let auth = Authorizer::new(
        book(),
        vec![
            SlackAuthRule::UserGroup("eng".into()),
            SlackAuthRule::UserId("U3".into()),
        ],
        LOOKUP_TTL,
    );
    run(async {
        assert_eq!(auth.authorize("U2").await.map(|u| u.id), Ok("U2".into()));
        assert_eq!(auth.authorize("U3").await.map(|u| u.id), Ok("U3".into()));
        assert_eq!(
            auth.authorize("U1").await.map(|u| u.id),
            Err(Rejection::NoRuleMatched)
        );
        assert_eq!(
            auth.authorize("U404").await.map(|u| u.id),
            Err(Rejection::UnknownUser)
        );
    });
}

#[test]
fn unknown_group_handle_matches_nobody() {
    let auth = Authorizer::new(
        book(),
        vec![SlackAuthRule::UserGroup("Eng".into())],
        LOOKUP_TTL,
    );
    let result = run(auth.authorize("U2"));
    assert_eq!(result.map(|u| u.id), Err(Rejection::NoRuleMatched));
}

#[test]
fn lookups_are_cached_and_fall_back_to_stale_data() {
    let auth = Authorizer::new(
        book(),
        vec![SlackAuthRule::UserGroup("eng".into())],
        LOOKUP_TTL,
    );
    run(async {
        assert!(auth.authorize("U2").await.is_ok());
        assert!(auth.authorize("U2").await.is_ok());
    });
    let d = auth.directory();
    assert_eq!(d.user_calls.load(Ordering::SeqCst), 1);
    assert_eq!(d.group_calls.load(Ordering::SeqCst), 1);
    assert_eq!(d.member_calls.load(Ordering::SeqCst), 1);

    // With a zero TTL every call refetches; a failing refetch keeps the
    // last good answer, and a user never seen is refused.
    let auth = Authorizer::new(
        book(),
        vec![SlackAuthRule::UserGroup("eng".into())],
        Duration::ZERO,
    );
    run(async {
        assert!(auth.authorize("U2").await.is_ok());
        auth.directory().failing.store(true, Ordering::SeqCst);
        assert_eq!(auth.authorize("U2").await.map(|u| u.id), Ok("U2".into()));
        assert!(matches!(
            auth.authorize("U3").await,
            Err(Rejection::LookupFailed(_))
        ));
    });
    assert_eq!(auth.directory().user_calls.load(Ordering::SeqCst), 3);
}

#[test]
fn failed_auth_test_fails_closed() {
    let mut b = book();
    b.no_workspace = true;
    let auth = Authorizer::new(b, vec![SlackAuthRule::WorkspaceMembers(true)], LOOKUP_TTL);
    assert_eq!(
        run(auth.authorize("U1")).map(|u| u.id),
        Err(Rejection::WorkspaceUnknown)
    );
}

#[test]
fn bots_are_refused_even_when_listed() {
    let mut b = book();
    let mut bot = user("UB");
    bot.is_bot = true;
    b.users.insert("UB".into(), bot);
    let auth = Authorizer::new(b, vec![SlackAuthRule::UserId("UB".into())], LOOKUP_TTL);
    assert_eq!(run(auth.authorize("UB")).map(|u| u.id), Err(Rejection::Bot));
}

#[test]
fn ttl_cache_expires_and_keeps_stale_values() {
    let start = Instant::now();
    let mut cache = TtlCache::new(Duration::from_secs(10), 2);
    cache.insert("a", 1, start);
    assert_eq!(cache.fresh(&"a", start + Duration::from_secs(9)), Some(1));
    assert_eq!(cache.fresh(&"a", start + Duration::from_secs(10)), None);
    assert_eq!(cache.stale(&"a"), Some(1));
    cache.insert("b", 2, start + Duration::from_secs(20));
    // Full: the expired "a" makes room for "c".
    cache.insert("c", 3, start + Duration::from_secs(21));
    assert_eq!(cache.stale(&"a"), None);
    assert_eq!(cache.stale(&"b"), Some(2));
    assert_eq!(cache.stale(&"c"), Some(3));
}

#[test]
fn rejection_kinds_are_typed() {
    assert_eq!(Rejection::NoRuleMatched.kind(), "unauthorized");
    assert_eq!(Rejection::Bot.kind(), "bot");
    assert_eq!(
        Rejection::External.reason(),
        "external users are not allowed"
    );
}
