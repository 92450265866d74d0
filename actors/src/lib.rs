//! Airut control plane.
