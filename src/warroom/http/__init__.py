"""What HTTP routers of every layer share: dependencies, error answers, input checks."""
