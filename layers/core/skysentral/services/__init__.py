"""Application services: one function per use case, composing the domain rules and the store."""
