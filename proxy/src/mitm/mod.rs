//! The transparent HTTP(S) path: :80 and :443 in front of hudsucker.
