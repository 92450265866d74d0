//! The HTML part of a reply: the rendered Markdown in a minimal document
//! with a charset and inline CSS only (no `<style>`, no external
//! resources), which mail clients display as written.

use super::markdown;

/// A complete HTML document for the reply whose Markdown source is
/// `markdown`.
pub fn html_document(markdown: &str) -> String {
    let body = markdown::to_html_fragment(markdown);
    format!(
        "<!DOCTYPE html>\n\
         <html>\n\
         <head>\n\
         <meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         </head>\n\
         <body style=\"margin:0;padding:0;\">\n\
         <div style=\"font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,\
         sans-serif;font-size:14px;line-height:1.5;color:#1f2328;padding:8px;\">\n\
         {body}\
         </div>\n\
         </body>\n\
         </html>\n"
    )
}
