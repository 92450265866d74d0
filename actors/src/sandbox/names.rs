//! Names and labels of everything Airut creates in the container engine.
//!
//! Every container, network and image carries `airut.managed=true` and the
//! instance label, so start-up can remove its own leftovers — and only its
//! own: two gateways (or a gateway and `airut sandbox run`) on one host have
//! different instances.

use std::collections::HashMap;

pub const LABEL_MANAGED: &str = "airut.managed";
pub const LABEL_INSTANCE: &str = "airut.instance";
pub const LABEL_CONVERSATION: &str = "airut.conversation";
pub const LABEL_TASK: &str = "airut.task";
pub const LABEL_ROLE: &str = "airut.role";
pub const LABEL_CONTENT_HASH: &str = "airut.content-hash";

/// What a container is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Runs Claude Code or a command.
    Task,
    /// Runs `airut proxy` (network sandbox).
    Proxy,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Task => "task",
            Role::Proxy => "proxy",
        }
    }
}

/// The naming scheme of one Airut instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    instance: String,
}

impl Names {
    /// `instance` must be short and made of `[a-z0-9-]`; anything else is
    /// replaced so that it is always a valid container name part.
    pub fn new(instance: &str) -> Names {
        let cleaned: String = instance
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(32)
            .collect();
        Names {
            instance: if cleaned.is_empty() {
                "default".to_string()
            } else {
                cleaned
            },
        }
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// `airut-<instance>-task-<conversation>-<task>`.
    pub fn container(&self, role: Role, conversation: &str, task: &str) -> String {
        format!(
            "airut-{}-{}-{}-{}",
            self.instance,
            role.as_str(),
            sanitize(conversation),
            sanitize(task)
        )
    }

    /// Labels of a container for `conversation`/`task`.
    pub fn container_labels(
        &self,
        role: Role,
        conversation: &str,
        task: &str,
    ) -> HashMap<String, String> {
        let mut labels = self.instance_labels();
        labels.insert(LABEL_ROLE.into(), role.as_str().into());
        labels.insert(LABEL_CONVERSATION.into(), conversation.into());
        labels.insert(LABEL_TASK.into(), task.into());
        labels
    }

    /// The labels every resource of this instance carries.
    pub fn instance_labels(&self) -> HashMap<String, String> {
        HashMap::from([
            (LABEL_MANAGED.to_string(), "true".to_string()),
            (LABEL_INSTANCE.to_string(), self.instance.clone()),
        ])
    }

    /// Engine filter (`label=...`) selecting this instance's resources.
    pub fn instance_filter(&self) -> HashMap<String, Vec<String>> {
        HashMap::from([(
            "label".to_string(),
            vec![
                format!("{LABEL_MANAGED}=true"),
                format!("{LABEL_INSTANCE}={}", self.instance),
            ],
        )])
    }
}

fn sanitize(part: &str) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_names_are_engine_safe() {
        let names = Names::new("Prod Box");
        assert_eq!(names.instance(), "prod-box");
        assert_eq!(
            names.container(Role::Task, "abcd1234", "t_01/x"),
            "airut-prod-box-task-abcd1234-t-01-x"
        );
    }

    #[test]
    fn empty_instance_gets_a_name() {
        assert_eq!(Names::new("").instance(), "default");
    }

    #[test]
    fn labels_carry_instance_and_conversation() {
        let labels = Names::new("i1").container_labels(Role::Proxy, "c1", "t1");
        assert_eq!(labels[LABEL_MANAGED], "true");
        assert_eq!(labels[LABEL_INSTANCE], "i1");
        assert_eq!(labels[LABEL_ROLE], "proxy");
        assert_eq!(labels[LABEL_CONVERSATION], "c1");
        assert_eq!(labels[LABEL_TASK], "t1");
    }

    #[test]
    fn filter_selects_only_this_instance() {
        let filter = Names::new("a").instance_filter();
        assert_eq!(
            filter["label"],
            vec!["airut.managed=true", "airut.instance=a"]
        );
    }
}
