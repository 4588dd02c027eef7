"""Background work on the emulator's one clock: delivering dispatches and moving runs and builds
through their statuses. Each worker asks the database what is due, so a restart loses nothing."""
