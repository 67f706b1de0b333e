"""HTTP plumbing shared by every domain router: errors, dependencies, middleware."""
