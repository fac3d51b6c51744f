"""Replicas converge: the merge rule, remotes and bundles."""
