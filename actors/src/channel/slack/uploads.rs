//! Files into a thread with Slack's external upload flow:
//! `files.getUploadURLExternal` (name, length) → POST the bytes to the
//! returned URL → `files.completeUploadExternal` (id, title, channel,
//! thread). slack-morphism sends the bot token with the POST, so the
//! upload URL must be one [`SlackApi::may_send_token_to`] allows.

use slack_morphism::prelude::{
    SlackApiFilesComplete, SlackApiFilesCompleteUploadExternalRequest,
    SlackApiFilesGetUploadUrlExternalRequest, SlackApiFilesUploadViaUrlRequest, SlackChannelId,
    SlackTs,
};

use super::api::{SlackApi, api_error};
use crate::channel::ChannelError;

impl SlackApi {
    /// Uploads `bytes` as `name` into the thread `thread_ts` of `channel`;
    /// `comment` (mrkdwn) is the text of the message that shares it.
    pub async fn upload_file(
        &self,
        channel: &str,
        thread_ts: &str,
        name: &str,
        title: &str,
        bytes: Vec<u8>,
        comment: Option<String>,
    ) -> Result<(), ChannelError> {
        let session = self.session();
        let target = session
            .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
                name.to_string(),
                bytes.len(),
            ))
            .await
            .map_err(|e| ChannelError(format!("files.getUploadURLExternal: {}", api_error(&e))))?;
        if !self.may_send_token_to(target.upload_url.0.as_str()) {
            return Err(ChannelError(
                "files.getUploadURLExternal: the upload URL is not a Slack host".into(),
            ));
        }
        session
            .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
                target.upload_url,
                bytes,
                "application/octet-stream".into(),
            ))
            .await
            .map_err(|e| ChannelError(format!("uploading {name}: {}", api_error(&e))))?;
        let mut complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![
            SlackApiFilesComplete::new(target.file_id).with_title(title.to_string()),
        ])
        .with_channel_id(SlackChannelId::new(channel.to_string()))
        .with_thread_ts(SlackTs::new(thread_ts.to_string()));
        if let Some(comment) = comment {
            complete = complete.with_initial_comment(comment);
        }
        session
            .files_complete_upload_external(&complete)
            .await
            .map_err(|e| {
                ChannelError(format!("files.completeUploadExternal: {}", api_error(&e)))
            })?;
        Ok(())
    }
}
