"""The core: the engine, the router, the handler's context and the permission matrix."""
