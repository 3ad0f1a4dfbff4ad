"""Pipeline layer: running periods (runner), their manifests, and verify."""
