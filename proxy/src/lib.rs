//! Airut network sandbox data plane (filled in by the network sandbox issue).
