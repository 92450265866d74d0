//! Task images: the repo image built from its container directory, and
//! Airut's entrypoint overlay on top. Tags are content hashes, so the same
//! directory is built once; an image older than the configured age is
//! rebuilt without the layer cache, so a `RUN apt-get ...` gets fresh
//! packages. One build at a time per tag, across processes too.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use bollard::query_parameters::BuildImageOptionsBuilder;
use futures_util::StreamExt;
use thiserror::Error;
use tracing::{Instrument, info, info_span};

use super::build_context::{BuildContext, ContextError};
use super::engine::Engine;
use super::entrypoint::overlay_context;
use super::names::{LABEL_CONTENT_HASH, LABEL_MANAGED};
use crate::keyed_lock::KeyedLocks;

/// Lines of build output kept for the error message.
const BUILD_TAIL_LINES: usize = 30;

pub const REPO_IMAGE: &str = "airut-repo";
pub const TASK_IMAGE: &str = "airut-task";

#[derive(Debug, Error)]
pub enum ImageError {
    #[error(
        "image build for {tag} failed: {message}\n--- last lines of the build output ---\n{tail}"
    )]
    BuildFailed {
        tag: String,
        message: String,
        tail: String,
    },
    #[error("container engine error while handling image {tag}: {source}")]
    Engine {
        tag: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("build context: {0}")]
    Context(#[from] ContextError),
    #[error("image lock {path}: {source}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The image a task container runs, and whether this call built anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskImage {
    pub tag: String,
    pub repo_tag: String,
    pub built: bool,
}

pub struct ImageCache {
    engine: Engine,
    max_age: Duration,
    locks: KeyedLocks,
    lock_dir: PathBuf,
}

impl ImageCache {
    /// `max_age` zero means "always rebuild". Lock files go to `lock_dir`.
    pub fn new(engine: Engine, max_age: Duration, lock_dir: PathBuf) -> ImageCache {
        ImageCache {
            engine,
            max_age,
            locks: KeyedLocks::new(lock_dir.clone()),
            lock_dir,
        }
    }

    /// Ensures the repo image for `context` and the overlay over it.
    pub async fn ensure_task_image(&self, context: &BuildContext) -> Result<TaskImage, ImageError> {
        // The base image is part of what is built: a base that changed
        // locally (re-pulled, re-imported) must not leave a stale image
        // behind a content hash that did not move.
        let base_id = match first_from_image(context.dockerfile()) {
            Some(base) => self
                .engine
                .docker
                .inspect_image(&base)
                .await
                .ok()
                .and_then(|i| i.id),
            None => None,
        };
        let repo_hash = combined_hash(&context.content_hash(), base_id.as_deref());
        let repo_tag = format!("{REPO_IMAGE}:{}", &repo_hash[..32]);
        let repo_built = self.ensure(&repo_tag, &repo_hash, context, false).await?;
        let overlay = overlay_context(&repo_tag);
        let overlay_hash = overlay.content_hash();
        let tag = format!("{TASK_IMAGE}:{}", &overlay_hash[..32]);
        // A rebuilt repo image has the same tag but new content: the overlay
        // must follow it.
        let overlay_built = self
            .ensure(&tag, &overlay_hash, &overlay, repo_built)
            .await?;
        Ok(TaskImage {
            tag,
            repo_tag,
            built: repo_built || overlay_built,
        })
    }

    /// Returns whether it built.
    async fn ensure(
        &self,
        tag: &str,
        hash: &str,
        context: &BuildContext,
        force: bool,
    ) -> Result<bool, ImageError> {
        let _guard = self
            .locks
            .lock(tag)
            .await
            .map_err(|source| ImageError::Lock {
                path: self.lock_dir.clone(),
                source,
            })?;
        let existing = match self.engine.docker.inspect_image(tag).await {
            Ok(info) => Some(info),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => None,
            Err(source) => {
                return Err(ImageError::Engine {
                    tag: tag.to_string(),
                    source,
                });
            }
        };
        let stale = existing.as_ref().map(|info| {
            force
                || self.max_age.is_zero()
                || age_of(info.created.as_deref()).is_none_or(|age| age > self.max_age)
        });
        match stale {
            Some(false) => Ok(false),
            Some(true) => {
                self.build(tag, hash, context, true).await?;
                Ok(true)
            }
            None => {
                self.build(tag, hash, context, false).await?;
                Ok(true)
            }
        }
    }

    async fn build(
        &self,
        tag: &str,
        hash: &str,
        context: &BuildContext,
        no_cache: bool,
    ) -> Result<(), ImageError> {
        let tar = context.to_tar()?;
        let labels = HashMap::from([
            (LABEL_MANAGED.to_string(), "true".to_string()),
            (LABEL_CONTENT_HASH.to_string(), hash.to_string()),
        ]);
        // pull stays off: no registry may be reachable, and a build with
        // pull=1 goes to the registry even for a local base image. forcerm:
        // Podman otherwise leaves the failed step's container behind, which
        // blocks removing the image later.
        let options = BuildImageOptionsBuilder::new()
            .dockerfile("Dockerfile")
            .t(tag)
            .nocache(no_cache)
            .rm(true)
            .forcerm(true)
            .labels(&labels)
            .build();
        let span = info_span!("image_build", tag, no_cache);
        async {
            info!("building image");
            let started = std::time::Instant::now();
            let mut output = BuildOutput::default();
            let mut stream =
                self.engine
                    .docker
                    .build_image(options, None, Some(bollard::body_full(tar.into())));
            while let Some(item) = stream.next().await {
                match item {
                    Ok(info) => {
                        if let Some(text) = info.stream.as_deref() {
                            output.push(text);
                        }
                        if let Some(error) = info.error_detail.and_then(|d| d.message) {
                            output.failure = Some(error);
                        }
                    }
                    Err(bollard::errors::Error::DockerStreamError { error }) => {
                        output.failure = Some(error);
                    }
                    Err(source) => {
                        return Err(ImageError::BuildFailed {
                            tag: tag.to_string(),
                            message: source.to_string(),
                            tail: output.tail(),
                        });
                    }
                }
            }
            if let Some(message) = output.failure.take() {
                return Err(ImageError::BuildFailed {
                    tag: tag.to_string(),
                    message,
                    tail: output.tail(),
                });
            }
            info!(seconds = started.elapsed().as_secs_f64(), "image built");
            Ok(())
        }
        .instrument(span)
        .await
    }
}

/// The image of the first `FROM` line (`FROM [--flag=x] image [AS name]`),
/// unless it uses build arguments (`$`), which only the build resolves.
fn first_from_image(dockerfile: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(dockerfile);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.len() > 5 && l[..5].eq_ignore_ascii_case("FROM "))?;
    let image = line[5..]
        .split_whitespace()
        .find(|w| !w.starts_with("--"))?;
    (!image.contains('$')).then(|| image.to_string())
}

fn combined_hash(content_hash: &str, base_id: Option<&str>) -> String {
    use sha2::{Digest, Sha256};
    match base_id {
        None => content_hash.to_string(),
        Some(id) => {
            let mut hasher = Sha256::new();
            hasher.update(content_hash.as_bytes());
            hasher.update([0]);
            hasher.update(id.as_bytes());
            super::build_context::hex(&hasher.finalize())
        }
    }
}

/// Build output lines, bounded.
#[derive(Default)]
struct BuildOutput {
    lines: std::collections::VecDeque<String>,
    partial: String,
    failure: Option<String>,
}

impl BuildOutput {
    fn push(&mut self, text: &str) {
        self.partial.push_str(text);
        while let Some(at) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=at).collect();
            let line = line.trim_end().to_string();
            if line.is_empty() {
                continue;
            }
            if self.lines.len() == BUILD_TAIL_LINES {
                self.lines.pop_front();
            }
            self.lines.push_back(line);
        }
    }

    fn tail(&self) -> String {
        let mut lines: Vec<&str> = self.lines.iter().map(String::as_str).collect();
        if !self.partial.trim().is_empty() {
            lines.push(self.partial.trim());
        }
        lines.join("\n")
    }
}

/// Age of an image from its RFC 3339 `Created` time; `None` if unparsable
/// (treated as stale).
fn age_of(created: Option<&str>) -> Option<Duration> {
    let created: jiff::Timestamp = created?.parse().ok()?;
    let age = jiff::Timestamp::now().duration_since(created);
    Duration::try_from(age).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_keeps_the_tail_across_chunks() {
        let mut out = BuildOutput::default();
        for i in 0..40 {
            out.push(&format!("STEP {i}/40: RUN x\n"));
        }
        out.push("partial without newline");
        let tail = out.tail();
        assert!(!tail.contains("STEP 9/40"));
        assert!(tail.contains("STEP 10/40"));
        assert!(tail.ends_with("partial without newline"));
    }

    #[test]
    fn from_lines() {
        assert_eq!(
            first_from_image(b"# c\nFROM debian:bookworm-slim\nRUN x\n").as_deref(),
            Some("debian:bookworm-slim")
        );
        assert_eq!(
            first_from_image(b"from --platform=linux/amd64 img AS b\n").as_deref(),
            Some("img")
        );
        assert_eq!(first_from_image(b"ARG V\nFROM img:$V\n"), None);
        assert_eq!(first_from_image(b"RUN x\n"), None);
    }

    #[test]
    fn base_id_changes_the_hash() {
        assert_eq!(combined_hash("abc", None), "abc");
        assert_ne!(
            combined_hash("abc", Some("sha256:1")),
            combined_hash("abc", Some("sha256:2"))
        );
    }

    #[test]
    fn age_from_rfc3339() {
        let now = jiff::Timestamp::now();
        let hour_ago = now - jiff::SignedDuration::from_hours(1);
        let age = age_of(Some(&hour_ago.to_string())).expect("parsed");
        assert!(
            age >= Duration::from_secs(3590) && age <= Duration::from_secs(3700),
            "{age:?}"
        );
        assert_eq!(age_of(Some("yesterday")), None);
        assert_eq!(age_of(None), None);
    }
}
