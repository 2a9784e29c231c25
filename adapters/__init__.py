"""Platform adapters: each translates one platform to and from the engine."""
