"""Background tasks: large operations answer code 100 and a task id; a worker runs them."""
