//! Pruning task images: Airut's own images that nothing needs any more.
//!
//! Only images carrying Airut's `airut.managed` label are ever considered,
//! so the base images a repo builds on, and anything else on the host,
//! survive. Task and repo images are content-addressed and shared by every
//! Airut process on the host (they carry no instance label), so "not ours"
//! cannot be told apart from "idle": the guards are the keep set, the
//! minimum age, and containers: an image a container uses, or one it is
//! built on, stays.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use bollard::models::ImageSummary;
use bollard::query_parameters::{ListImagesOptionsBuilder, RemoveImageOptionsBuilder};
use tracing::{info, warn};

use crate::sandbox::engine::{Engine, EngineKind};
use crate::sandbox::images::{REPO_IMAGE, TASK_IMAGE};
use crate::sandbox::leftovers::list_containers_json;
use crate::sandbox::names::{LABEL_INSTANCE, LABEL_MANAGED, Names};
use crate::sandbox::podman_api;

/// Rounds of dangling-image removal: removing one can leave its untagged
/// parent dangling (build cache layers), which the next round takes.
const DANGLING_ROUNDS: usize = 5;

/// One inspection along a parent chain.
const INSPECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Registry prefixes the engine adds to a short local name.
const IMPLICIT_PREFIXES: [&str; 2] = ["docker.io/library/", "localhost/"];

/// What one prune did. `removed` names tags and, for dangling images, ids.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PruneReport {
    pub removed: Vec<String>,
    pub errors: Vec<String>,
}

/// Removes Airut's dangling images and the task/repo images not in `keep`,
/// older than `min_age` and not used by any container.
///
/// `keep` holds tags as [`crate::sandbox::images::TaskImage`] gives them;
/// the images under a kept tag stay too, but listing `repo_tag` as well as
/// `tag` costs nothing and also covers engines that do not report parents.
/// A `min_age` at least the image cache's rebuild age costs no extra
/// builds: an older image would be rebuilt on its next use anyway.
pub async fn prune_images(
    engine: &Engine,
    names: &Names,
    keep: &BTreeSet<String>,
    min_age: Duration,
) -> PruneReport {
    prune_images_where(engine, names, keep, min_age, |_| true).await
}

/// [`prune_images`] limited to the images `consider` accepts, on top of
/// every rule above. Tests use it to stay clear of images other tests on
/// the same engine are using.
pub async fn prune_images_where(
    engine: &Engine,
    names: &Names,
    keep: &BTreeSet<String>,
    min_age: Duration,
    consider: impl Fn(&ImageSummary) -> bool,
) -> PruneReport {
    prune(engine, names, keep, min_age, consider, false).await
}

/// What [`prune_images`] would remove now, removing nothing (`airut gc
/// --dry-run`). Only the first round of dangling images is listed: the
/// parents a removal would leave dangling are not known before it.
pub async fn planned_image_prune(
    engine: &Engine,
    names: &Names,
    keep: &BTreeSet<String>,
    min_age: Duration,
) -> PruneReport {
    planned_image_prune_where(engine, names, keep, min_age, |_| true).await
}

/// [`planned_image_prune`] limited as [`prune_images_where`] is.
pub async fn planned_image_prune_where(
    engine: &Engine,
    names: &Names,
    keep: &BTreeSet<String>,
    min_age: Duration,
    consider: impl Fn(&ImageSummary) -> bool,
) -> PruneReport {
    prune(engine, names, keep, min_age, consider, true).await
}

async fn prune(
    engine: &Engine,
    names: &Names,
    keep: &BTreeSet<String>,
    min_age: Duration,
    consider: impl Fn(&ImageSummary) -> bool,
    dry_run: bool,
) -> PruneReport {
    let mut report = PruneReport::default();
    let keep: BTreeSet<&str> = keep.iter().map(|tag| short_name(tag)).collect();
    let now_s = jiff::Timestamp::now().as_second();
    let min_age_s = i64::try_from(min_age.as_secs()).unwrap_or(i64::MAX);
    let old_enough = |image: &ImageSummary| now_s.saturating_sub(image.created) >= min_age_s;

    // Belt and braces with the engine's 409: Docker reports `Containers` as
    // -1 unless asked, so the images in use come from the containers.
    let in_use = match images_in_use(engine).await {
        Ok(ids) => ids,
        Err(err) => {
            report
                .errors
                .push(format!("image prune: listing containers: {err}"));
            return report;
        }
    };
    // Podman removes a parent image whose children remain (the layers are
    // shared), so the repo image under a kept or used task image must be
    // protected explicitly, or the next task would rebuild both.
    let roots = keep
        .iter()
        .map(|tag| (*tag).to_string())
        .chain(in_use.iter().cloned());
    let protected = match with_ancestors(engine, roots).await {
        Ok(ids) => ids,
        Err(err) => {
            report
                .errors
                .push(format!("image prune: following image parents: {err}"));
            return report;
        }
    };
    let usable = |image: &ImageSummary| {
        ours(image, names)
            && consider(image)
            && old_enough(image)
            && image.containers <= 0
            && !in_use.contains(bare(&image.id))
            && !protected.contains(bare(&image.id))
    };

    match list(engine, false).await {
        Ok(images) => {
            let mut stale: Vec<String> = images
                .iter()
                .filter(|image| usable(image))
                .flat_map(|image| image.repo_tags.iter())
                .filter(|tag| is_task_or_repo_tag(tag) && !keep.contains(short_name(tag)))
                .cloned()
                .collect();
            // Children before parents: Docker refuses to remove a repo image
            // while a task image built on it still exists.
            stale.sort_by_key(|tag| (!short_name(tag).starts_with(TASK_IMAGE), tag.clone()));
            for tag in stale {
                if dry_run {
                    report.removed.push(tag);
                } else {
                    remove(engine, &tag, &mut report).await;
                }
            }
        }
        Err(err) => report
            .errors
            .push(format!("image prune: listing images: {err}")),
    }

    for _ in 0..DANGLING_ROUNDS {
        let images = match list(engine, true).await {
            Ok(images) => images,
            Err(err) => {
                report
                    .errors
                    .push(format!("image prune: listing dangling images: {err}"));
                break;
            }
        };
        let before = report.removed.len();
        for image in images.iter().filter(|image| usable(image)) {
            if dry_run {
                report.removed.push(image.id.clone());
            } else {
                remove(engine, &image.id, &mut report).await;
            }
        }
        if dry_run || report.removed.len() == before {
            break;
        }
    }
    report
}

/// Airut's images: the managed label, and not another instance's if an
/// instance label is present.
fn ours(image: &ImageSummary, names: &Names) -> bool {
    image.labels.get(LABEL_MANAGED).map(String::as_str) == Some("true")
        && image
            .labels
            .get(LABEL_INSTANCE)
            .is_none_or(|instance| instance == names.instance())
}

fn is_task_or_repo_tag(tag: &str) -> bool {
    let short = short_name(tag);
    [TASK_IMAGE, REPO_IMAGE].iter().any(|name| {
        short
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with(':'))
    })
}

/// `docker.io/library/airut-task:x` and `localhost/airut-task:x` are the
/// `airut-task:x` the image cache asked for.
fn short_name(tag: &str) -> &str {
    IMPLICIT_PREFIXES
        .iter()
        .find_map(|prefix| tag.strip_prefix(prefix))
        .unwrap_or(tag)
}

/// Airut's top-level images, or only the dangling ones.
async fn list(
    engine: &Engine,
    dangling: bool,
) -> Result<Vec<ImageSummary>, bollard::errors::Error> {
    let mut filters = HashMap::from([("label".to_string(), vec![format!("{LABEL_MANAGED}=true")])]);
    if dangling {
        filters.insert("dangling".to_string(), vec!["true".to_string()]);
    }
    let options = ListImagesOptionsBuilder::new().filters(&filters).build();
    engine.docker.list_images(Some(options)).await
}

/// An image id without its digest algorithm: the compatible API lists
/// `sha256:<hex>`, Podman's own API bare hex.
fn bare(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

/// The bare ids of `roots` (tags or ids) and of the Airut images they are
/// built on. Only Podman needs this, and only its own API reports parents;
/// Docker refuses to remove a parent with children by itself. Inspecting
/// along the chains is much cheaper than listing every layer, which takes
/// seconds on a busy engine. A chain ends at the first image without
/// Airut's label: nothing below it is a candidate.
async fn with_ancestors(
    engine: &Engine,
    roots: impl Iterator<Item = String>,
) -> Result<BTreeSet<String>, String> {
    let mut seen = BTreeSet::new();
    if engine.kind != EngineKind::Podman {
        return Ok(seen);
    }
    for root in roots {
        let mut next = Some(root);
        while let Some(name) = next.take() {
            let path = format!("/images/{name}/json");
            let response =
                podman_api::request(&engine.endpoint.url, "GET", &path, None, INSPECT_TIMEOUT)
                    .await
                    .ok_or_else(|| {
                        format!("inspecting {name} at {} failed", engine.endpoint.url)
                    })?;
            match response.status {
                200 => {}
                404 => break,
                status => return Err(format!("inspecting {name}: {status} {}", response.body)),
            }
            let info: serde_json::Value = serde_json::from_str(&response.body)
                .map_err(|err| format!("inspecting {name}: {err}"))?;
            let Some(id) = info["Id"].as_str().map(|id| bare(id).to_string()) else {
                break;
            };
            let labelled = info["Labels"][LABEL_MANAGED].as_str() == Some("true");
            if !seen.insert(id) || !labelled {
                break;
            }
            next = info["Parent"]
                .as_str()
                .filter(|parent| !parent.is_empty())
                .map(str::to_string);
        }
    }
    Ok(seen)
}

async fn images_in_use(engine: &Engine) -> Result<BTreeSet<String>, bollard::errors::Error> {
    let containers = list_containers_json(engine, &HashMap::new()).await?;
    Ok(containers
        .iter()
        .filter_map(|container| container["ImageID"].as_str())
        .map(|id| bare(id).to_string())
        .collect())
}

/// Removes one image; "in use" and "already gone" are outcomes, not errors.
async fn remove(engine: &Engine, name: &str, report: &mut PruneReport) {
    let options = RemoveImageOptionsBuilder::new()
        .force(false)
        .noprune(false)
        .build();
    match engine.docker.remove_image(name, Some(options), None).await {
        Ok(_) => {
            info!(image = name, "pruned an image");
            report.removed.push(name.to_string());
        }
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404 | 409,
            ..
        }) => {}
        Err(err) => {
            warn!(image = name, "image prune: {err}");
            report.errors.push(format!("image prune: {name}: {err}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_prefixes_are_stripped_for_keep_matching() {
        assert_eq!(
            short_name("docker.io/library/airut-task:ab"),
            "airut-task:ab"
        );
        assert_eq!(short_name("localhost/airut-repo:cd"), "airut-repo:cd");
        assert_eq!(
            short_name("quay.io/x/airut-task:ab"),
            "quay.io/x/airut-task:ab"
        );
    }

    #[test]
    fn only_task_and_repo_tags_are_candidates() {
        assert!(is_task_or_repo_tag("docker.io/library/airut-task:ab"));
        assert!(is_task_or_repo_tag("airut-repo:cd"));
        assert!(!is_task_or_repo_tag("airut-taskforce:1"));
        assert!(!is_task_or_repo_tag("localhost/airut-test-base:bookworm"));
        assert!(!is_task_or_repo_tag("quay.io/x/airut-task:ab"));
    }

    #[test]
    fn unlabelled_and_foreign_instance_images_are_not_ours() {
        let names = Names::new("me");
        let image = |labels: &[(&str, &str)]| ImageSummary {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..ImageSummary::default()
        };
        assert!(ours(&image(&[(LABEL_MANAGED, "true")]), &names));
        assert!(ours(
            &image(&[(LABEL_MANAGED, "true"), (LABEL_INSTANCE, "me")]),
            &names
        ));
        assert!(!ours(&image(&[]), &names));
        assert!(!ours(&image(&[(LABEL_MANAGED, "false")]), &names));
        assert!(!ours(
            &image(&[(LABEL_MANAGED, "true"), (LABEL_INSTANCE, "other")]),
            &names
        ));
    }
}
