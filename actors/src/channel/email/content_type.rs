//! The content type of an outbox file, by its extension: mail clients
//! open `text/*` and images inline and offer the rest as downloads.

pub fn content_type_for(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "txt" | "log" | "md" | "rs" | "py" | "sh" | "toml" | "yaml" | "yml" | "diff" | "patch" => {
            "text/plain"
        }
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        "tar" => "application/x-tar",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::content_type_for;

    #[test]
    fn known_extensions_any_case_and_a_safe_default() {
        assert_eq!(content_type_for("report.TXT"), "text/plain");
        assert_eq!(content_type_for("chart.png"), "image/png");
        assert_eq!(content_type_for("data.tar.gz"), "application/gzip");
        assert_eq!(content_type_for("binary"), "application/octet-stream");
        assert_eq!(content_type_for("evil.exe"), "application/octet-stream");
    }
}
