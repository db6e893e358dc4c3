"""Console adapter: a terminal conversation with the core, and the in-memory transcript harness."""
