"""Real processes on PostgreSQL: crashes, restarts and concurrent sweeps."""
