//! Start-up clean-up: containers an earlier run of this instance left
//! behind (a crash, a kill -9). Only this instance's, found by label.

use std::collections::HashMap;

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
    remove_containers_matching(engine, names, None).await
}

/// Removes this instance's containers of one conversation (its actor died
/// while a task ran, so nothing else will stop them).
pub async fn remove_conversation_containers(
    engine: &Engine,
    names: &Names,
    conversation: &str,
) -> Result<Vec<String>, bollard::errors::Error> {
    remove_containers_matching(engine, names, Some(conversation)).await
}

async fn remove_containers_matching(
    engine: &Engine,
    names: &Names,
    conversation: Option<&str>,
) -> Result<Vec<String>, bollard::errors::Error> {
    let mut removed = Vec::new();
    for name in list_container_names(engine, names, conversation).await? {
        remove(engine, &name).await;
        info!(container = name, "removed a leftover container");
        removed.push(name);
    }
    Ok(removed)
}

/// Names of this instance's containers (of one conversation, if given).
pub async fn list_container_names(
    engine: &Engine,
    names: &Names,
    conversation: Option<&str>,
) -> Result<Vec<String>, bollard::errors::Error> {
    let mut filters = names.instance_filter();
    if let (Some(conversation), Some(labels)) = (conversation, filters.get_mut("label")) {
        labels.push(format!(
            "{}={conversation}",
            super::names::LABEL_CONVERSATION
        ));
    }
    Ok(list_containers_json(engine, &filters)
        .await?
        .iter()
        .filter_map(|c| {
            c["Names"][0]
                .as_str()
                .or(c["Id"].as_str())
                .map(|n| n.trim_start_matches('/').to_string())
        })
        .collect())
}

/// Every container matching `filters` (all states), as the engine's list
/// JSON (`Id`, `Names`, `ImageID`, `Labels`, ...).
///
/// On Podman through its own API with the JSON read loosely: bollard's
/// typed list fails on Podman's `stopped` state (an exited container being
/// cleaned up), which is common while exited containers are removed in the
/// background. Docker (or a non-socket endpoint) goes through bollard.
pub async fn list_containers_json(
    engine: &Engine,
    filters: &HashMap<String, Vec<String>>,
) -> Result<Vec<serde_json::Value>, bollard::errors::Error> {
    let path = format!(
        "/containers/json?all=true&filters={}",
        crate::percent_encoding::encode_component(&serde_json::json!(filters).to_string())
    );
    let timeout = std::time::Duration::from_secs(30);
    if let Some(listed) =
        super::podman_api::request(&engine.endpoint.url, "GET", &path, None, timeout).await
        && listed.status == 200
        && let Ok(containers) = serde_json::from_str::<Vec<serde_json::Value>>(&listed.body)
    {
        return Ok(containers);
    }
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(filters)
        .build();
    Ok(engine
        .docker
        .list_containers(Some(options))
        .await?
        .iter()
        .filter_map(|c| serde_json::to_value(c).ok())
        .collect())
}

/// Removes this instance's per-task networks (and, with them, anything
/// still attached). The shared egress network stays: it holds no state.
pub async fn remove_leftover_networks(
    engine: &Engine,
    names: &Names,
) -> Result<Vec<String>, String> {
    remove_networks_matching(engine, names, None).await
}

/// Removes this instance's per-task networks of one conversation.
pub async fn remove_conversation_networks(
    engine: &Engine,
    names: &Names,
    conversation: &str,
) -> Result<Vec<String>, String> {
    remove_networks_matching(engine, names, Some(conversation)).await
}

async fn remove_networks_matching(
    engine: &Engine,
    names: &Names,
    conversation: Option<&str>,
) -> Result<Vec<String>, String> {
    use super::podman_api;
    let mut labels = vec![
        format!("{}=true", super::names::LABEL_MANAGED),
        format!("{}={}", super::names::LABEL_INSTANCE, names.instance()),
    ];
    if let Some(conversation) = conversation {
        labels.push(format!(
            "{}={conversation}",
            super::names::LABEL_CONVERSATION
        ));
    }
    let filters = serde_json::json!({ "label": labels });
    let path = format!(
        "/networks/json?filters={}",
        crate::percent_encoding::encode_component(&filters.to_string())
    );
    let timeout = std::time::Duration::from_secs(30);
    let listed = podman_api::request(&engine.endpoint.url, "GET", &path, None, timeout)
        .await
        .ok_or_else(|| format!("listing networks at {} failed", engine.endpoint.url))?;
    if listed.status != 200 {
        return Err(format!(
            "listing networks: {} {}",
            listed.status, listed.body
        ));
    }
    let networks: Vec<serde_json::Value> =
        serde_json::from_str(&listed.body).map_err(|e| e.to_string())?;
    let egress = format!("airut-{}-egress", names.instance());
    let mut removed = Vec::new();
    for network in networks {
        let Some(name) = network["name"].as_str() else {
            continue;
        };
        if name == egress {
            continue;
        }
        let response = podman_api::request(
            &engine.endpoint.url,
            "DELETE",
            &format!("/networks/{name}?force=true"),
            None,
            timeout,
        )
        .await;
        if response.is_some_and(|r| r.status == 200) {
            if let Some(interface) = network["network_interface"].as_str() {
                super::firewall::remove_all_for(interface).await;
            }
            info!(network = name, "removed a leftover network");
            removed.push(name.to_string());
        }
    }
    Ok(removed)
}
