//! Slack's JSON objects (user, user group, channel, file, message) in the
//! shapes the Web API and the Events API use.

use serde_json::{Value, json};

use super::types::FakeUser;
use super::{APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID};

pub(super) fn user(u: &FakeUser) -> Value {
    let mut profile = json!({
        "real_name": u.real_name,
        "real_name_normalized": u.real_name,
        "display_name": u.display_name,
        "display_name_normalized": u.display_name,
        "status_text": "",
        "status_emoji": "",
        "avatar_hash": "g0fake",
        "team": u.team_id,
        "title": "",
        "phone": "",
    });
    if u.is_bot {
        profile["bot_id"] = json!(format!("B{}", u.id.trim_start_matches('U')));
        profile["api_app_id"] = json!("A0OTHER");
        profile["always_active"] = json!(false);
    } else {
        profile["email"] = json!(format!("{}@example.com", u.name));
    }
    json!({
        "id": u.id,
        "team_id": u.team_id,
        "name": u.name,
        "deleted": u.deleted,
        "color": "9f69e7",
        "real_name": u.real_name,
        "tz": "Europe/Helsinki",
        "tz_label": "Eastern European Time",
        "tz_offset": 7200,
        "profile": profile,
        "is_admin": false,
        "is_owner": false,
        "is_primary_owner": false,
        "is_restricted": u.is_restricted,
        "is_ultra_restricted": false,
        "is_bot": u.is_bot,
        "is_app_user": false,
        "updated": 1_700_000_000,
        "is_email_confirmed": !u.is_bot,
    })
}

pub(super) fn usergroup(id: &str, handle: &str, members: &[String], include_users: bool) -> Value {
    let mut group = json!({
        "id": id,
        "team_id": TEAM_ID,
        "is_usergroup": true,
        "is_subteam": true,
        "name": format!("{handle} team"),
        "description": "",
        "handle": handle,
        "is_external": false,
        "date_create": 1_700_000_000,
        "date_update": 1_700_000_000,
        "date_delete": 0,
        "auto_type": null,
        "auto_provision": false,
        "enterprise_subteam_id": "",
        "created_by": "U0ADMIN",
        "updated_by": "U0ADMIN",
        "deleted_by": null,
        "prefs": { "channels": [], "groups": [] },
        "user_count": members.len(),
        "channel_count": 0,
    });
    if include_users {
        group["users"] = json!(members);
    }
    group
}

pub(super) fn channel(id: &str, name: &str) -> Value {
    let private = id.starts_with('G');
    json!({
        "id": id,
        "name": name,
        "is_channel": !private,
        "is_group": private,
        "is_im": false,
        "is_mpim": false,
        "is_private": private,
        "created": 1_700_000_000,
        "is_archived": false,
        "is_general": false,
        "unlinked": 0,
        "name_normalized": name,
        "is_shared": false,
        "is_org_shared": false,
        "is_pending_ext_shared": false,
        "pending_shared": [],
        "context_team_id": TEAM_ID,
        "updated": 1_700_000_000_000_u64,
        "parent_conversation": null,
        "creator": "U0ADMIN",
        "is_ext_shared": false,
        "shared_team_ids": [TEAM_ID],
        "pending_connected_team_ids": [],
        "is_member": true,
        "topic": { "value": "", "creator": "", "last_set": 0 },
        "purpose": { "value": "", "creator": "", "last_set": 0 },
        "previous_names": [],
        "num_members": 3,
    })
}

pub(super) fn file(base_url: &str, id: &str, name: &str, size: usize, user: &str) -> Value {
    let (mimetype, filetype) = mime_of(name);
    let private = format!("{base_url}/files-pri/{TEAM_ID}-{id}/{name}");
    let download = format!("{base_url}/files-pri/{TEAM_ID}-{id}/download/{name}");
    json!({
        "id": id,
        "created": 1_700_000_000,
        "timestamp": 1_700_000_000,
        "name": name,
        "title": name,
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": filetype,
        "user": user,
        "user_team": TEAM_ID,
        "editable": false,
        "size": size,
        "mode": "hosted",
        "is_external": false,
        "external_type": "",
        "is_public": false,
        "public_url_shared": false,
        "display_as_bot": false,
        "username": "",
        "url_private": private,
        "url_private_download": download,
        "permalink": format!("https://fake.slack.com/files/{user}/{id}/{name}"),
        "is_starred": false,
        "has_rich_preview": false,
        "file_access": "visible",
    })
}

fn mime_of(name: &str) -> (&'static str, &'static str) {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("txt") => ("text/plain", "text"),
        Some("md") => ("text/markdown", "markdown"),
        Some("json") => ("application/json", "json"),
        Some("csv") => ("text/csv", "csv"),
        Some("png") => ("image/png", "png"),
        Some("pdf") => ("application/pdf", "pdf"),
        _ => ("application/octet-stream", "binary"),
    }
}

/// The `rich_text` block Slack's clients attach to what a person types.
pub(super) fn rich_text(text: &str) -> Value {
    json!([{
        "type": "rich_text",
        "block_id": "fk1",
        "elements": [{
            "type": "rich_text_section",
            "elements": [{ "type": "text", "text": text }],
        }],
    }])
}

/// A message the bot posted, as history and `chat.postMessage` return it.
pub(super) fn bot_message(ts: &str, text: &str) -> Value {
    json!({
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "text": text,
        "ts": ts,
        "team": TEAM_ID,
        "bot_profile": {
            "id": BOT_ID,
            "app_id": APP_ID,
            "user_id": BOT_USER_ID,
            "name": "airut",
            "deleted": false,
            "updated": 1_700_000_000,
            "team_id": TEAM_ID,
        },
    })
}
