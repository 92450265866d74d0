//! Start-up clean-up: containers an earlier run of this instance left
//! behind (a crash, a kill -9). Only this instance's, found by label.

use bollard::query_parameters::ListContainersOptionsBuilder;
use tracing::info;

use super::container_run::remove;
use super::engine::Engine;
use super::names::Names;

/// Removes every container labelled with this instance; returns their names.
pub async fn remove_leftover_containers(
    engine: &Engine,
    names: &Names,
) -> Result<Vec<String>, bollard::errors::Error> {
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&names.instance_filter())
        .build();
    let containers = engine.docker.list_containers(Some(options)).await?;
    let mut removed = Vec::new();
    for container in containers {
        let Some(name) = container
            .names
            .as_ref()
            .and_then(|n| n.first())
            .map(|n| n.trim_start_matches('/').to_string())
            .or(container.id.clone())
        else {
            continue;
        };
        remove(engine, &name).await;
        info!(container = name, "removed a leftover container");
        removed.push(name);
    }
    Ok(removed)
}
