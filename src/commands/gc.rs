//! `airut gc [--dry-run] [--json]`: a housekeeping pass of the running
//! gateway now (`POST /api/housekeeping`), or the list of what it would
//! remove.

use anyhow::{Result, bail};
use serde_json::Value;

use crate::cli::GcArgs;

pub fn run(args: &GcArgs) -> Result<u8> {
    let api = super::gateway_api(&args.config)?;
    let path = if args.dry_run {
        "/api/housekeeping?dry_run=true"
    } else {
        "/api/housekeeping"
    };
    let response = api.request("POST", path)?;
    if response.status != 200 {
        bail!(
            "the gateway answered {}: {}",
            response.status,
            response.error_message()
        );
    }
    let report = response.body;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    let failed = report["errors"].as_array().is_some_and(|e| !e.is_empty());
    Ok(u8::from(failed))
}

/// The human form of the API's report.
pub fn render(report: &Value) -> String {
    let dry = report["dry_run"] == true;
    let list = |key: &str| report[key].as_array().cloned().unwrap_or_default();
    let (conversations, images, errors) = (list("conversations"), list("images"), list("errors"));
    let verb = if dry { "would remove" } else { "removed" };
    let mut out = String::new();
    out.push_str(&format!(
        "{verb} {} conversation{}\n",
        conversations.len(),
        if conversations.len() == 1 { "" } else { "s" }
    ));
    for c in &conversations {
        out.push_str(&format!(
            "  {} ({})\n",
            super::event_line::clip(c["id"].as_str().unwrap_or("?"), 16),
            super::event_line::clip(c["repo_id"].as_str().unwrap_or("?"), 64)
        ));
    }
    out.push_str(&format!(
        "{verb} {} image{}\n",
        images.len(),
        if images.len() == 1 { "" } else { "s" }
    ));
    for image in &images {
        out.push_str(&format!(
            "  {}\n",
            super::event_line::clip(image.as_str().unwrap_or("?"), 200)
        ));
    }
    for error in &errors {
        out.push_str(&format!(
            "error: {}\n",
            super::event_line::clip(error.as_str().unwrap_or("?"), 400)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn dry_runs_say_would() {
        let text = render(&serde_json::json!({
            "dry_run": true,
            "conversations": [{"repo_id": "alpha", "id": "0a1b2c3d"}],
            "images": [], "errors": []
        }));
        assert_eq!(
            text,
            "would remove 1 conversation\n  0a1b2c3d (alpha)\nwould remove 0 images\n"
        );
        let text = render(&serde_json::json!({
            "dry_run": false, "conversations": [], "images": ["airut-task:ab"], "errors": ["x: gone"]
        }));
        assert_eq!(
            text,
            "removed 0 conversations\nremoved 1 image\n  airut-task:ab\nerror: x: gone\n"
        );
    }
}
