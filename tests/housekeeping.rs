//! Image pruning against the real Podman of the prepared machine: stale
//! task images go, kept and used ones (with the repo images under them)
//! and the base image stay.
//!
//! The engine is shared with tests running in parallel, so every prune is
//! limited to this test's own images (by their content-hash label).

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use airut_actors::housekeeping::{PruneReport, planned_image_prune_where, prune_images_where};
use airut_actors::sandbox::build_context::BuildContext;
use airut_actors::sandbox::engine::Engine;
use airut_actors::sandbox::images::{ImageCache, TaskImage};
use airut_actors::sandbox::names::{LABEL_CONTENT_HASH, Names};
use bollard::models::ImageSummary;
use bollard::query_parameters::{CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn base_image() -> String {
    std::env::var("AIRUT_TEST_BASE_IMAGE")
        .unwrap_or_else(|_| panic!("AIRUT_TEST_BASE_IMAGE unset: {}", support::PREPARE_HINT))
}

/// An image unique to `marker`; `ENV` needs no build container, so it is
/// quick.
fn context(marker: &str) -> BuildContext {
    BuildContext::new(format!(
        "FROM {}\nENV AIRUT_PRUNE_TEST={marker}\n",
        base_image()
    ))
}

async fn exists(engine: &Engine, name: &str) -> bool {
    match engine.docker.inspect_image(name).await {
        Ok(_) => true,
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => false,
        Err(err) => panic!("inspect {name}: {err}"),
    }
}

/// The hash part of the tags: the content-hash label of the image and of
/// its build layers starts with it.
fn hashes(images: &[&TaskImage]) -> Vec<String> {
    images
        .iter()
        .flat_map(|image| [&image.tag, &image.repo_tag])
        .filter_map(|tag| tag.split_once(':').map(|(_, hash)| hash.to_string()))
        .collect()
}

fn built_here(hashes: &[String]) -> impl Fn(&ImageSummary) -> bool + '_ {
    move |image| {
        image
            .labels
            .get(LABEL_CONTENT_HASH)
            .is_some_and(|label| hashes.iter().any(|hash| label.starts_with(hash.as_str())))
    }
}

#[tokio::test]
async fn prune_removes_stale_task_images_and_keeps_the_rest() {
    let engine = support::engine().await;
    let names = Names::new(&support::unique("prune"));
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ImageCache::new(engine.clone(), DAY, dir.path().join("locks"));
    let marker = support::unique("prune");
    let kept = cache
        .ensure_task_image(&context(&format!("{marker}-kept")))
        .await
        .expect("kept image");
    let stale = cache
        .ensure_task_image(&context(&format!("{marker}-stale")))
        .await
        .expect("stale image");
    let hashes = hashes(&[&kept, &stale]);
    let keep = BTreeSet::from([kept.tag.clone(), kept.repo_tag.clone()]);
    let prune = |min_age: Duration, keep: BTreeSet<String>| {
        let (engine, names, hashes) = (&engine, &names, &hashes);
        async move { prune_images_where(engine, names, &keep, min_age, built_here(hashes)).await }
    };

    // While a (stopped) container uses the stale image, it and the repo
    // image under it stay; the results are asserted after the container is
    // gone, so a failure leaves nothing behind.
    let container = support::unique("prune-user");
    engine
        .docker
        .create_container(
            Some(
                CreateContainerOptionsBuilder::new()
                    .name(&container)
                    .build(),
            ),
            bollard::models::ContainerCreateBody {
                image: Some(stale.tag.clone()),
                cmd: Some(vec!["true".to_string()]),
                ..Default::default()
            },
        )
        .await
        .expect("create a container on the stale image");
    let young = prune(Duration::from_secs(3600), keep.clone()).await;
    let in_use = prune(Duration::ZERO, keep.clone()).await;
    let survived_in_use =
        exists(&engine, &stale.tag).await && exists(&engine, &stale.repo_tag).await;
    engine
        .docker
        .remove_container(
            &container,
            Some(RemoveContainerOptionsBuilder::new().force(true).build()),
        )
        .await
        .expect("remove the container");
    assert_eq!(young, PruneReport::default(), "younger than min_age");
    assert_eq!(in_use, PruneReport::default(), "in use");
    assert!(survived_in_use, "an image in use was removed");

    // a dry run (`airut gc --dry-run`) lists what the prune below takes,
    // and removes nothing
    let planned =
        planned_image_prune_where(&engine, &names, &keep, Duration::ZERO, built_here(&hashes))
            .await;
    let planned_left = exists(&engine, &stale.tag).await && exists(&engine, &stale.repo_tag).await;
    let report = prune(Duration::ZERO, keep.clone()).await;
    let kept_survived = exists(&engine, &kept.tag).await && exists(&engine, &kept.repo_tag).await;
    let stale_left = exists(&engine, &stale.tag).await || exists(&engine, &stale.repo_tag).await;
    // Clean up through the same path before asserting.
    let rest = prune(Duration::ZERO, BTreeSet::new()).await;
    let kept_left = exists(&engine, &kept.tag).await || exists(&engine, &kept.repo_tag).await;

    assert_eq!(report.errors, Vec::<String>::new());
    let removed: BTreeSet<&str> = report
        .removed
        .iter()
        .map(|name| name.rsplit('/').next().unwrap_or(name))
        .collect();
    assert_eq!(
        removed,
        BTreeSet::from([stale.tag.as_str(), stale.repo_tag.as_str()])
    );
    assert_eq!(planned.removed, report.removed, "the dry run's list");
    assert!(planned_left, "the dry run removed an image");
    assert!(!stale_left, "the stale images are still there");
    assert!(kept_survived, "a kept image was removed");
    assert!(exists(&engine, &base_image()).await, "the base image");
    assert_eq!(rest.errors, Vec::<String>::new());
    assert!(!kept_left, "the last prune left the kept images");
}
