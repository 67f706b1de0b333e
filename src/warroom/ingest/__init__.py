"""Stage 1: protocol adapters that turn what senders speak into durable signals."""
